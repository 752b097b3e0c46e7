/**
 * client_loop: what the original plan's Python did, done in TypeScript with `pg` on one
 * connection: the client reads raw rows in batches of 500 (keyset pagination on id) and writes
 * each record in its own transaction (BEGIN; INSERT ... SELECT of that one row; COMMIT). The
 * checks and casts are not re-implemented in TypeScript: the INSERT is the limit baseline's SQL
 * over the one record it names by id (clientLoopSql.ts), a prepared statement. A record it does
 * not insert (0 rows: invalid or duplicate; or a permanent error) is quarantined in a
 * transaction of its own with reason `client_rejected` (the client does not work out reason
 * codes). Transient errors are retried with capped, jittered exponential backoff (3 retries).
 *
 * It runs on a subset (subset.ts: every game row, then the first rows by id of each market
 * table), --client-loop-rows in all. Each table's measured rate is extrapolated to its full row
 * count, and the mode's seconds are the sum.
 */
import { transaction } from '../../runner/db/transaction.js';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { isTransient, sqlstateOf } from '../../runner/errors.js';
import { backoffMs } from '../../runner/plan/retryPolicy.js';
import { LIMIT_SQL } from './limit.js';
import { rawCounts, subsetQuotas } from '../subset.js';
import { perRecordStatements, RAW_COLUMNS } from './clientLoopSql.js';
import { type Mode, rate } from './types.js';
import { sleep } from '../../runner/sleep.js';

const PAGE = 500;
const RETRIES = 3;

type RawRecord = Record<string, string | null>;
type Outcome = 'staged' | 'rejected';

/** One record, one transaction, retried through transient errors; false when not inserted. */
async function writeRecord(
  client: pg.Client,
  table: string,
  sql: string,
  record: RawRecord,
): Promise<{ outcome: Outcome; sqlstate?: string; message?: string }> {
  const values = [record.id];
  for (let attempt = 0; ; attempt++) {
    try {
      const result = await transaction(client, () => client.query({ name: `bench_cl_${table}`, text: sql, values }));
      return { outcome: result.rowCount === 1 ? 'staged' : 'rejected' };
    } catch (error) {
      if (isTransient(error) && attempt < RETRIES) {
        await sleep(backoffMs(attempt + 1, { baseMs: 100, capMs: 4_000 }));
        continue;
      }
      return { outcome: 'rejected', sqlstate: sqlstateOf(error) ?? 'XX000', message: (error as Error).message };
    }
  }
}

async function quarantine(client: pg.Client, table: string, record: RawRecord, failure: { sqlstate?: string; message?: string }): Promise<void> {
  await transaction(client, () =>
    client.query({
      name: 'bench_cl_quarantine',
      text: `INSERT INTO pgphase.quarantine AS q (source_table, source_id, reason_code, message, sqlstate, raw_row)
             VALUES ($1, $2, 'client_rejected', $3, $4, $5)
             ON CONFLICT (source_table, source_id) DO UPDATE SET attempts = q.attempts + 1, last_seen_at = now()`,
      values: [`raw.${table}`, record.id, failure.message ?? 'not inserted by the per-record statement', failure.sqlstate ?? null, JSON.stringify(record)],
    }),
  );
}

export const clientLoopMode: Mode = {
  name: 'client_loop',
  start: 'clean',
  async run(ctx) {
    const statements = perRecordStatements(readFileSync(LIMIT_SQL, 'utf8'));
    const client = new pg.Client({ connectionString: ctx.url, application_name: 'pgphase bench client_loop' });
    await client.connect();
    await client.query('SET jit = off'); // as pgphase's own transactions run (runner/db/transaction.ts)
    try {
      const full = await rawCounts(client);
      const quotas = subsetQuotas(full, ctx.clientLoopRows);
      const perTable: Record<string, { rows: number; measuredRows: number; measuredSeconds: number; staged: number; rejected: number; rowsPerSec: number }> =
        {};
      let seconds = 0;
      let measuredRows = 0;
      let measuredSeconds = 0;
      let staged = 0;
      let rejected = 0;
      for (const { table, sql } of statements) {
        const quota = quotas[table] ?? 0;
        const columns = RAW_COLUMNS[table]!.map((c) => (c === 'ingested_at' ? 'ingested_at::text AS ingested_at' : client.escapeIdentifier(c))).join(', ');
        const stats = { staged: 0, rejected: 0 };
        const started = performance.now();
        let lastId = '0';
        let done = 0;
        while (done < quota) {
          const { rows } = await client.query<RawRecord>({
            name: `bench_cl_read_${table}`,
            text: `SELECT ${columns} FROM raw.${table} WHERE id > $1 ORDER BY id LIMIT $2`,
            values: [lastId, Math.min(PAGE, quota - done)],
          });
          if (rows.length === 0) break;
          for (const record of rows) {
            const result = await writeRecord(client, table, sql, record);
            if (result.outcome === 'staged') stats.staged++;
            else {
              stats.rejected++;
              await quarantine(client, table, record, result);
            }
          }
          done += rows.length;
          lastId = rows.at(-1)!.id!;
        }
        const took = (performance.now() - started) / 1000;
        perTable[table] = { rows: full[table]!, measuredRows: done, measuredSeconds: Math.round(took * 1000) / 1000, ...stats, rowsPerSec: rate(done, took) };
        seconds += done > 0 ? (took * full[table]!) / done : 0;
        measuredRows += done;
        measuredSeconds += took;
        staged += stats.staged;
        rejected += stats.rejected;
      }
      const extrapolated = measuredRows < ctx.rows;
      return {
        seconds,
        rows: ctx.rows,
        rowsPerSec: rate(ctx.rows, seconds),
        staged,
        quarantined: rejected,
        workers: 1,
        ...(extrapolated ? { extrapolated: { measuredRows, measuredSeconds: Math.round(measuredSeconds * 1000) / 1000 } } : {}),
        what: 'client reads pages of 500 by id, one transaction per record (INSERT ... SELECT of one row with the limit SQL), rejects quarantined, 1 connection',
        notes: extrapolated
          ? [
              "per-table rates measured on a subset (all games, then the first market rows by id) and extrapolated to every row; staged/quarantined are the subset's",
            ]
          : [],
        detail: { perTable },
      };
    } finally {
      await client.end();
    }
  },
};
