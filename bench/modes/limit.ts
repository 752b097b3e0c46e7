/**
 * limit and limit_n: the staging transformation as plain INSERT ... SELECT statements over the
 * procedures' own classification (sql/bench_limit_staging.sql), valid rows only, each statement
 * its own transaction: no batches, no ledger, no quarantine, no savepoints. The speed of light
 * for this work on this server:
 *   limit    one statement per table over all its keys, on 1 connection;
 *   limit_n  PostgreSQL never parallelises an INSERT ... SELECT, so on N cores the speed of light
 *            is N connections each taking a share of the keys (equal row counts), per table,
 *            games first; N is the runner's workers.
 *   limit_batched  the same statement over ranges of LIMIT_BATCH_ROWS rows, one after the other on
 *            1 connection: what batching itself costs (a statement per batch, its set-up per
 *            range), so that pgphase_1 against it shows what the driver and the runner add.
 * The file is cut into one statement per table at its `-- table: <name>` markers so that each
 * table is timed.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { type Mode, rate } from './types.js';

export const LIMIT_SQL = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'sql', 'bench_limit_staging.sql');

/** The file's statements by table, in file order (games first: markets look their game up). */
export function limitStatements(text: string): { table: string; sql: string }[] {
  return text
    .split(/^-- table: /m)
    .slice(1)
    .map((part) => {
      const newline = part.indexOf('\n');
      return { table: part.slice(0, newline).trim(), sql: part.slice(newline + 1).trim() };
    });
}

/** `shares` key ranges of raw.<table> holding about equal numbers of rows. */
async function keyShares(client: pg.Client, table: string, shares: number): Promise<[string, string][]> {
  const { rows } = await client.query<{ lo: string; hi: string }>(
    `SELECT min(id)::text AS lo, max(id)::text AS hi FROM (SELECT id, ntile($1) OVER (ORDER BY id) AS k FROM raw.${table}) x GROUP BY k ORDER BY k`,
    [shares],
  );
  return rows.map((r) => [r.lo, r.hi]);
}

/** Rows per statement of limit_batched: the runner's batches at its 1 s target are about this size here. */
export const LIMIT_BATCH_ROWS = 25_000;

/** Key ranges of raw.<table> of `rows` rows each, in key order. */
async function keyBatches(client: pg.Client, table: string, rows: number): Promise<[string, string][]> {
  const { rows: ranges } = await client.query<{ lo: string; hi: string }>(
    `SELECT min(id)::text AS lo, max(id)::text AS hi FROM (SELECT id, (row_number() OVER (ORDER BY id) - 1) / $1 AS k FROM raw.${table}) x GROUP BY k ORDER BY k`,
    [rows],
  );
  return ranges.map((r) => [r.lo, r.hi]);
}

function limitMode(name: 'limit' | 'limit_n' | 'limit_batched'): Mode {
  return {
    name,
    start: 'clean',
    async run(ctx) {
      const connections = name === 'limit_n' ? ctx.workers : 1;
      const statements = limitStatements(readFileSync(LIMIT_SQL, 'utf8'));
      const clients = Array.from({ length: connections }, () => new pg.Client({ connectionString: ctx.url, application_name: `pgphase bench ${name}` }));
      await Promise.all(clients.map((c) => c.connect()));
      // Without JIT, as pgphase's own transactions run (runner/db/transaction.ts): like with like.
      await Promise.all(clients.map((c) => c.query('SET jit = off')));
      try {
        const shares = new Map<string, [string, string][]>();
        for (const { table } of statements)
          shares.set(
            table,
            name === 'limit_batched'
              ? await keyBatches(clients[0]!, table, ctx.limitBatchRows ?? LIMIT_BATCH_ROWS)
              : await keyShares(clients[0]!, table, connections),
          );
        const perTable: Record<string, { seconds: number; inserted: number }> = {};
        let staged = 0;
        const started = performance.now();
        for (const { table, sql } of statements) {
          const t = performance.now();
          let inserted = 0;
          if (name === 'limit_batched') for (const range of shares.get(table)!) inserted += (await clients[0]!.query(sql, range)).rowCount ?? 0;
          else inserted = (await Promise.all(shares.get(table)!.map((range, i) => clients[i]!.query(sql, range)))).reduce((a, r) => a + (r.rowCount ?? 0), 0);
          perTable[table] = { seconds: Math.round(performance.now() - t) / 1000, inserted };
          staged += inserted;
        }
        const seconds = (performance.now() - started) / 1000;
        return {
          seconds,
          rows: ctx.rows,
          rowsPerSec: rate(ctx.rows, seconds),
          staged,
          workers: connections,
          what:
            name === 'limit'
              ? "one INSERT ... SELECT per table over the procedures' classification (valid rows only), autocommit, 1 connection"
              : name === 'limit_n'
                ? `the same split into ${connections} key shares per table, one per connection, run at once`
                : `the same over ranges of ${(ctx.limitBatchRows ?? LIMIT_BATCH_ROWS).toLocaleString('en-US')} rows, one statement (autocommit) after the other, 1 connection`,
          detail: { perTable },
        };
      } finally {
        await Promise.all(clients.map((c) => c.end()));
      }
    },
  };
}

export const limit = limitMode('limit');
export const limitN = limitMode('limit_n');
export const limitBatched = limitMode('limit_batched');
