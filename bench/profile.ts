/**
 * `npx tsx bench/profile.ts [--table moneylines] [--batch 20000] [--per-record 300]`: where the
 * staging time goes, on the data the last `npm run bench` left in `pgphase_bench`. Everything
 * runs in transactions that are rolled back, so the database is left as it was.
 *  1. EXPLAIN (ANALYZE, BUFFERS) of the limit statement for the table (whole table).
 *  2. One set-based batch of the procedure, its nested statements' plans logged by auto_explain
 *     (executor time and plan of staging.write_<table>'s statement against the CALL's total).
 *  3. The per-record path (pgphase.force_per_record): ms per row as it is, and with
 *     plan_cache_mode = force_generic_plan (which removes the re-planning of the nested
 *     statement for every record), against the set-based ms per row on the same rows.
 */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import pg from 'pg';
import { configFromEnv, parseConfig } from '../runner/config.js';
import { openDatabase } from '../runner/db/database.js';
import { stopAllEmbedded } from '../runner/db/embedded.js';
import { BENCH_DATABASE, withDatabaseName } from './benchDb.js';
import { LIMIT_SQL, limitStatements } from './modes/limit.js';

const say = (line = '') => process.stdout.write(`${line}\n`);

async function timed(client: pg.Client, sql: string, values: unknown[] = []): Promise<number> {
  const started = performance.now();
  await client.query(sql, values);
  return performance.now() - started;
}

async function profile(url: string, table: string, batch: number, perRecord: number): Promise<void> {
  const client = new pg.Client({ connectionString: url, application_name: 'pgphase bench profile' });
  await client.connect();
  const notices: string[] = [];
  client.on('notice', (n) => notices.push(n.message ?? ''));
  const statements = new Map(limitStatements(readFileSync(LIMIT_SQL, 'utf8')).map((s) => [s.table, s.sql.replace(/;\s*$/, '')]));
  const truncate = 'TRUNCATE staging.games, staging.moneylines, staging.spreads, staging.totals, pgphase.quarantine RESTART IDENTITY CASCADE';
  const { rows: span } = await client.query<{ lo: string; n: string }>(
    `SELECT min(id)::text AS lo, count(*)::text AS n FROM raw.${client.escapeIdentifier(table)}`,
  );
  const lo = Number(span[0]!.lo);
  const { rows: games } = await client.query<{ hi: string }>('SELECT max(id)::text AS hi FROM raw.games');
  const stageGames = `CALL staging.load_games(0, 1, ${Number(games[0]!.hi)}, NULL, NULL, NULL, NULL)`;
  try {
    say(`# 1. limit statement for ${table} (${span[0]!.n} raw rows), EXPLAIN (ANALYZE, BUFFERS)`);
    await client.query('BEGIN');
    await client.query(truncate);
    if (table !== 'games') await client.query(statements.get('games')!);
    const { rows: plan } = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${statements.get(table)!}`);
    for (const line of plan) say(line['QUERY PLAN'].slice(0, 240));
    await client.query('ROLLBACK');

    say(`\n# 2. one set-based batch: CALL staging.load_${table} over ${batch} ids, nested plans by auto_explain`);
    await client.query('BEGIN');
    await client.query(truncate);
    if (table !== 'games') await client.query(stageGames);
    await client.query(`LOAD 'auto_explain'`);
    await client.query(`SET LOCAL auto_explain.log_min_duration = 0; SET LOCAL auto_explain.log_nested_statements = on;
                        SET LOCAL auto_explain.log_analyze = on; SET LOCAL auto_explain.log_buffers = on; SET LOCAL client_min_messages = log`);
    notices.length = 0;
    const call = (from: number, n: number) => `CALL staging.load_${table}(0, ${from}, ${from + n - 1}, NULL, NULL, NULL, NULL)`;
    const total = await timed(client, call(lo, batch));
    const write = notices.find((n) => /WITH c AS MATERIALIZED/.test(n)) ?? '(no nested write statement logged)';
    const executor = Number(/duration: ([\d.]+) ms/.exec(write)?.[1] ?? NaN);
    say(
      `under auto_explain's instrumentation (which inflates times): CALL ${total.toFixed(0)} ms, the write statement's executor ${executor.toFixed(0)} ms (${((executor / total) * 100).toFixed(0)}%)`,
    );
    for (const line of write
      .split('\n')
      .filter((l) => /^\s*(->|Aggregate|CTE|Insert|Delete|Buffers|Planning|Execution)|actual time/.test(l))
      .slice(0, 80))
      say(line.slice(0, 240));
    await client.query('ROLLBACK');

    say(`\n# 3. per-record path over ${perRecord} ids (pgphase.force_per_record = on), each sample on a new session`);
    // A new session per sample: PL/pgSQL's plan cache chooses custom or generic plans from the
    // calls the session has made before, so samples must not share one.
    const sample = async (settings: string, from: number) => {
      const session = new pg.Client({ connectionString: url, application_name: 'pgphase bench profile' });
      await session.connect();
      try {
        await session.query('BEGIN');
        await session.query(truncate);
        if (table !== 'games') await session.query(stageGames);
        if (settings) await session.query(settings);
        return await timed(session, call(from, perRecord));
      } finally {
        await session.query('ROLLBACK').catch(() => {});
        await session.end();
      }
    };
    const setBased = await sample('', lo);
    const asIs = await sample('SET LOCAL pgphase.force_per_record = on', lo);
    const generic = await sample('SET LOCAL pgphase.force_per_record = on; SET LOCAL plan_cache_mode = force_generic_plan', lo);
    const per = (ms: number) => `${(ms / perRecord).toFixed(3)} ms/row`;
    say(`set-based ${per(setBased)}; per-record as is ${per(asIs)}; per-record with plan_cache_mode = force_generic_plan ${per(generic)}`);
  } finally {
    await client.query('ROLLBACK').catch(() => {});
    await client.end();
  }
}

const program = new Command('bench-profile')
  .option('--table <name>', 'games, moneylines, spreads or totals', 'moneylines')
  .option('--batch <n>', 'ids in the set-based batch', '20000')
  .option('--per-record <n>', 'ids per per-record sample', '300')
  .action(async (opts: { table: string; batch: string; perRecord: string }) => {
    if (!['games', 'moneylines', 'spreads', 'totals'].includes(opts.table)) throw new Error(`unknown table ${opts.table}`);
    const db = await openDatabase(parseConfig(configFromEnv()));
    try {
      await profile(withDatabaseName(db.url, BENCH_DATABASE), opts.table, Number(opts.batch), Number(opts.perRecord));
    } finally {
      await db.close();
    }
  });
let code = 0;
try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.stderr.write(`error: ${(error as Error).message}\n`);
  code = 1;
}
await stopAllEmbedded();
process.exit(code);
