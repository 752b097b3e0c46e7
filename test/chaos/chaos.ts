/**
 * The chaos loop: a pipeline run (staging, then curated) over generated data while runner
 * processes are SIGKILLed at random moments, random runner backends are terminated, and the
 * server is restarted once — on a dedicated embedded PostgreSQL, so that nothing else is hurt.
 * When the chaos stops (by count, by time, or when most of the run is done), a final
 * `pgphase run` resumes the run and finishes it, and then:
 * - for every raw table, every row is staged or quarantined, never both, never neither;
 * - staging, the quarantine and curated's feature tables equal those of an undisturbed run of the
 *   same data in another database of the same server (compared by a checksum that leaves out
 *   run ids, timestamps of processing and surrogate ids).
 *
 * `npm run test:chaos` runs the long form (PGPHASE_CHAOS_ROWS, PGPHASE_CHAOS_SECONDS,
 * PGPHASE_CHAOS_KILLS, PGPHASE_CHAOS_TERMINATIONS tune it); test/integration/chaos.test.ts runs
 * a short one inside `npm test`. Every loop here is bounded in count and time.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ChildProcess } from 'node:child_process';
import pg from 'pg';
import { parseConfig } from '../../runner/config.js';
import { type EmbeddedServer, startEmbedded } from '../../runner/db/embedded.js';
import { migrate } from '../../runner/migrate/migrate.js';
import { runPipeline } from '../../runner/run/runPipeline.js';
import { type CliResult, runCli, startCli } from '../support/cli.js';

export interface ChaosOptions {
  /** Raw rows generated (pgphase generate's model, 8% bad). */
  readonly rows: number;
  readonly seed: number;
  /** How long the disturbances may go on, in ms. */
  readonly chaosMs: number;
  readonly maxKills: number;
  readonly maxTerminations: number;
  /** Runner processes kept alive at once during the chaos. */
  readonly runners: number;
  /** Latency added to every ledger update of the disturbed run, so that there is time to disturb it. */
  readonly batchSleepMs: number;
  /** Stop disturbing once this share of the run's partitions is done (a final run must have work left). */
  readonly stopAtDone: number;
  readonly log?: (line: string) => void;
}

export interface ChaosResult {
  readonly rows: number;
  readonly kills: number;
  readonly terminations: number;
  readonly restarts: number;
  /** Runner processes that exited on their own during the chaos, with their exit codes. */
  readonly runnerExits: (number | null)[];
  readonly retries: number;
  readonly failedPartitions: number;
  readonly runs: { id: string; status: string }[];
  readonly finalRun: { code: number | null; status?: string; resumed?: boolean } | 'finished during the chaos';
  /** Raw rows that are in neither or both of staging and the quarantine, per table. */
  readonly invariantViolations: Record<string, number>;
  readonly checksums: { disturbed: Record<string, string>; reference: Record<string, string> };
  readonly seconds: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const RAW = ['games', 'moneylines', 'spreads', 'totals'];
const RUN_ARGS = ['run', '--workers', '2', '--batch-initial', '100', '--batch-min', '50', '--batch-max', '100', '--target-ms', '100'];

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** One short-lived connection; failures (the server is restarting) are returned, not thrown. */
async function tryQuery<T extends pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<T[] | Error> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  client.on('error', () => {});
  try {
    await client.connect();
    return (await client.query<T>(sql, params)).rows;
  } catch (error) {
    return error as Error;
  } finally {
    await client.end().catch(() => {});
  }
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const rows = await tryQuery<T>(url, sql, params);
  if (rows instanceof Error) throw rows;
  return rows;
}

/**
 * Checksums of what the phases produced, by table, leaving out what legitimately differs between
 * two runs of the same data: run ids, processing and seen-at times, attempts, and surrogate ids
 * (market and feature rows name their game by external_game_id instead of staging.games.id).
 */
export async function resultChecksums(url: string): Promise<Record<string, string>> {
  const tables: Record<string, string> = {
    'staging.games': `SELECT to_jsonb(t) - 'id' - 'run_id' - 'processed_at' FROM staging.games t`,
    'pgphase.quarantine': `SELECT to_jsonb(t) - 'id' - 'run_id' - 'attempts' - 'first_seen_at' - 'last_seen_at' FROM pgphase.quarantine t`,
  };
  for (const m of ['moneylines', 'spreads', 'totals']) {
    tables[`staging.${m}`] = `SELECT to_jsonb(t) - 'id' - 'run_id' - 'processed_at' - 'game_id' || jsonb_build_object('game', g.external_game_id)
                                FROM staging.${m} t JOIN staging.games g ON g.id = t.game_id`;
  }
  const curated = await query<{ name: string }>(
    url,
    `SELECT format('%I.%I', table_schema, table_name) AS name FROM information_schema.columns
      WHERE table_schema = 'curated' AND column_name = 'game_id' ORDER BY 1`,
  );
  for (const { name } of curated) {
    tables[name] = `SELECT to_jsonb(t) - 'game_id' || jsonb_build_object('game', g.external_game_id) FROM ${name} t JOIN staging.games g ON g.id = t.game_id`;
  }
  // curated.market_snapshots.source_id is the raw id, stable across runs: compared as it is.
  const out: Record<string, string> = {};
  for (const [name, sql] of Object.entries(tables)) {
    const [row] = await query<{ n: string; md5: string | null }>(
      url,
      `SELECT count(*)::text AS n, md5(string_agg(x::text, E'\\n' ORDER BY x::text)) AS md5 FROM (${sql}) s (x)`,
    );
    out[name] = `${row!.n} rows ${row!.md5 ?? '-'}`;
  }
  return out;
}

async function invariant(url: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of RAW) {
    const [row] = await query<{ bad: number }>(
      url,
      `SELECT count(*)::int AS bad FROM raw.${t} r
        WHERE EXISTS (SELECT 1 FROM staging.${t} s WHERE s.source_raw_id = r.id)
            = EXISTS (SELECT 1 FROM pgphase.quarantine q WHERE q.source_table = 'raw.${t}' AND q.source_id = r.id)`,
    );
    out[t] = row!.bad;
  }
  return out;
}

/** Runs the chaos loop on a fresh embedded server and returns what happened and what it left. */
export async function runChaos(options: ChaosOptions): Promise<ChaosResult> {
  const log = options.log ?? (() => {});
  const started = Date.now();
  const dir = await mkdtemp(join(tmpdir(), 'pgphase-chaos-'));
  let server: EmbeddedServer = await startEmbedded({ dataDir: join(dir, 'pgdata'), durable: false, settings: { max_connections: '100' } });
  const port = server.port;
  const children = new Set<{ child: ChildProcess; done: Promise<CliResult> }>();
  try {
    const admin = server.url;
    for (const db of ['chaos_reference', 'chaos_disturbed']) await query(admin, `CREATE DATABASE ${db}`);
    const reference = withDatabase(admin, 'chaos_reference');
    const disturbed = withDatabase(admin, 'chaos_disturbed');
    for (const url of [reference, disturbed]) {
      await migrate({ url, config: parseConfig({ databaseUrl: url }) });
      await query(url, `CALL pipeline.generate_sample($1, $2, 0.08)`, [options.rows, options.seed]);
    }
    log(`generated ${options.rows} rows (seed ${options.seed}) twice; running the reference undisturbed`);
    const undisturbed = await runPipeline({ url: reference, workers: 2 });
    if (undisturbed.status !== 'done') throw new Error(`the reference run ended ${undisturbed.status}`);

    // Latency on every ledger update of the disturbed database only: each batch commits slower.
    await query(
      disturbed,
      `CREATE FUNCTION pipeline.chaos_latency() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN PERFORM pg_sleep(${options.batchSleepMs} / 1000.0); RETURN NULL; END $$;
       CREATE TRIGGER chaos_latency AFTER UPDATE ON pgphase.partitions FOR EACH STATEMENT EXECUTE FUNCTION pipeline.chaos_latency()`,
    );

    const env = { DATABASE_URL: disturbed };
    const runnerExits: (number | null)[] = [];
    const spawn = () => {
      const entry = startCli(RUN_ARGS, env, options.chaosMs + 180_000);
      children.add(entry);
      void entry.done.then((r) => {
        if (children.delete(entry)) runnerExits.push(r.code);
      });
    };
    /** Share of the raw rows processed so far (the curated phase adds a little more), and the run's status. */
    const progress = async (): Promise<{ done: number; planned: boolean; status: string | null }> => {
      const rows = await tryQuery<{ rows: number; planned: boolean; status: string | null }>(
        disturbed,
        `SELECT coalesce(sum(rows_in), 0)::float8 AS rows, count(*) > 0 AS planned, (SELECT status FROM pgphase.runs ORDER BY id LIMIT 1) AS status
           FROM pgphase.partitions`,
      );
      return rows instanceof Error ? { done: 0, planned: false, status: null } : { ...rows[0]!, done: rows[0]!.rows / options.rows };
    };

    let kills = 0;
    let terminations = 0;
    let restarts = 0;
    // The restart comes at a random point: a random share of the rows done, or of the time gone.
    const restartAt = Date.now() + options.chaosMs * (0.3 + Math.random() * 0.3);
    const restartAtDone = options.stopAtDone * (0.2 + Math.random() * 0.4);
    const chaosEnd = Date.now() + options.chaosMs;
    for (let i = 0; i < options.runners; i++) spawn();
    // Wait for the run to be planned before disturbing it (bounded).
    for (let i = 0; i < 300 && !(await progress()).planned; i++) await sleep(100);

    while (Date.now() < chaosEnd && (kills < options.maxKills || terminations < options.maxTerminations || restarts === 0)) {
      await sleep(100 + Math.random() * 500);
      const p = await progress();
      if (p.status === 'done' || p.done >= options.stopAtDone) break;
      while (children.size < options.runners) spawn();
      const roll = Math.random();
      if (restarts === 0 && (Date.now() >= restartAt || p.done >= restartAtDone)) {
        log(`restarting the server (${Math.round(p.done * 100)}% of the rows done)`);
        await server.stop();
        await sleep(300 + Math.random() * 700);
        server = await startEmbedded({ dataDir: join(dir, 'pgdata'), durable: false, port, settings: { max_connections: '100' } });
        restarts++;
      } else if (roll < 0.45 && kills < options.maxKills && children.size > 0) {
        const victim = [...children][Math.floor(Math.random() * children.size)]!;
        children.delete(victim);
        victim.child.kill('SIGKILL');
        await victim.done;
        kills++;
        spawn();
      } else if (terminations < options.maxTerminations) {
        const rows = await tryQuery<{ ok: boolean }>(
          admin,
          `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity
            WHERE datname = 'chaos_disturbed' AND application_name LIKE 'pgphase run%' AND pid <> pg_backend_pid()
            ORDER BY random() LIMIT 1`,
        );
        if (!(rows instanceof Error) && rows[0]?.ok) terminations++;
      }
    }
    log(`chaos over: ${kills} kills, ${terminations} backends terminated, ${restarts} restart(s); stopping the runners`);
    for (const entry of [...children]) {
      children.delete(entry);
      entry.child.kill('SIGKILL');
      await entry.done;
      kills++;
    }

    await query(disturbed, `DROP TRIGGER chaos_latency ON pgphase.partitions; DROP FUNCTION pipeline.chaos_latency()`);
    const before = await progress();
    let finalRun: ChaosResult['finalRun'] = 'finished during the chaos';
    if (before.status !== 'done') {
      const r = await runCli([...RUN_ARGS, '--json'], env, 180_000);
      let report: { status?: string; resumed?: boolean } = {};
      try {
        report = JSON.parse(r.stdout) as typeof report;
      } catch {
        log(`final run printed no report: ${r.stderr.slice(-2000)}`);
      }
      finalRun = { code: r.code, status: report.status, resumed: report.resumed };
    }
    const [ledger] = await query<{ retries: number; failed: number }>(
      disturbed,
      `SELECT coalesce(sum(retries), 0)::int AS retries, count(*) FILTER (WHERE status = 'failed')::int AS failed FROM pgphase.partitions`,
    );
    const runs = await query<{ id: string; status: string }>(disturbed, `SELECT id::text, status FROM pgphase.runs ORDER BY id`);
    return {
      rows: options.rows,
      kills,
      terminations,
      restarts,
      runnerExits,
      retries: ledger!.retries,
      failedPartitions: ledger!.failed,
      runs,
      finalRun,
      invariantViolations: await invariant(disturbed),
      checksums: { disturbed: await resultChecksums(disturbed), reference: await resultChecksums(reference) },
      seconds: Math.round((Date.now() - started) / 100) / 10,
    };
  } finally {
    for (const entry of children) entry.child.kill('SIGKILL');
    await Promise.all([...children].map((e) => e.done.catch(() => {})));
    await server.stop().catch(() => {});
    await rm(dir, { recursive: true, force: true }).catch(() => {});
  }
}

/** The long form, for `npm run test:chaos`: prints the result and exits 0 when it holds. */
async function main(): Promise<number> {
  const number = (name: string, fallback: number) => (process.env[name] ? Number(process.env[name]) : fallback);
  const result = await runChaos({
    rows: number('PGPHASE_CHAOS_ROWS', 150_000),
    seed: number('PGPHASE_CHAOS_SEED', Date.now() % 1_000_000),
    chaosMs: number('PGPHASE_CHAOS_SECONDS', 180) * 1000,
    maxKills: number('PGPHASE_CHAOS_KILLS', 80),
    maxTerminations: number('PGPHASE_CHAOS_TERMINATIONS', 160),
    runners: 2,
    batchSleepMs: number('PGPHASE_CHAOS_BATCH_SLEEP_MS', 60),
    stopAtDone: 0.9,
    log: (line) => process.stderr.write(`chaos: ${line}\n`),
  });
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  const same = JSON.stringify(result.checksums.disturbed) === JSON.stringify(result.checksums.reference);
  const whole = Object.values(result.invariantViolations).every((n) => n === 0);
  const finished = result.finalRun === 'finished during the chaos' || (result.finalRun.code === 0 && result.finalRun.status === 'done');
  process.stderr.write(`chaos: ${same && whole && finished ? 'OK' : 'FAILED'}: results ${same ? 'equal' : 'DIFFER from'} the undisturbed run's; invariant ${whole ? 'holds' : 'BROKEN'}; final run ${finished ? 'done' : 'NOT done'}; ${result.seconds} s\n`);
  return same && whole && finished ? 0 : 1;
}

if (process.argv[1] && pathToFileURL(resolve(process.argv[1])).href === import.meta.url) {
  process.exit(await main());
}
