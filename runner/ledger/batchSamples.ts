/**
 * Rows of pgphase.batch_samples (runner/framework/schema/0030_batch_samples.sql): one per committed
 * batch, inserted by runBatch (runner/run/batch.ts) in the batch's own transaction, read by `pgphase report --html`.
 * Its columns `staged` and `quarantined` (named before the generic phase contract) hold a
 * batch's `written` and `rejected` (runner/run/phaseCounts.ts).
 */
import type pg from 'pg';
import type { PartitionRow } from './types.js';
import type { PhaseCounts } from '../run/phaseCounts.js';

/** Who ran a batch and the failed attempts before it, for its sample. */
export interface BatchSample {
  readonly worker: string;
  readonly retries: number;
  readonly retrySqlstate: string | null;
}

/**
 * Inserts a batch's sample; started_at is the server's transaction start (one clock for every
 * host). With it, the rows this batch quarantined by reason (0080_batch_quarantine_reasons.sql):
 * those of pgphase.quarantine in the batch's key range that this transaction wrote, read through
 * the quarantine's (source_table, source_id) key, and only when the batch rejected any.
 */
export async function insertBatchSample(
  client: pg.ClientBase,
  p: PartitionRow,
  runId: string,
  range: { readonly lo: bigint; readonly hi: bigint },
  counts: PhaseCounts,
  ms: number,
  size: number,
  s: BatchSample,
): Promise<void> {
  await client.query(
    `INSERT INTO pgphase.batch_samples (run_id, step_id, partition_id, phase, source_table, worker, started_at, rows_in, staged, quarantined, ms, batch_size, retries, retry_sqlstate,
                                        quarantine_reasons)
     VALUES ($1, $2, $3, $4, $5, $6, now(), $7, $8, $9, $10, $11, $12, $13,
             CASE WHEN $9::bigint > 0 THEN
               (SELECT coalesce(jsonb_object_agg(r.reason_code, r.n), '{}') FROM (
                  SELECT q.reason_code, count(*) AS n FROM pgphase.quarantine q
                   WHERE q.source_table = $5 AND q.source_id BETWEEN $14::bigint AND $15::bigint
                     AND q.last_seen_at = now() AND q.run_id = $1::bigint
                   GROUP BY 1) r)
             ELSE '{}' END)`,
    [
      runId,
      p.step_id,
      p.id,
      p.phase,
      p.source_table,
      s.worker,
      counts.rowsIn,
      counts.written,
      counts.rejected,
      ms,
      size,
      s.retries,
      s.retrySqlstate,
      range.lo.toString(),
      range.hi.toString(),
    ],
  );
}

/**
 * Whether this role can write samples (and throttle periods and health samples). A runner role granted by
 * pgphase.grant_runner can; a DBA's own role may not have been granted them, and then the run goes on without
 * samples (the caller warns) rather than failing every batch on a report's data.
 */
export async function canWriteSamples(client: pg.ClientBase): Promise<boolean> {
  const { rows } = await client.query<{ ok: boolean }>(
    `SELECT coalesce(bool_and(has_schema_privilege(n.oid, 'USAGE') AND has_table_privilege(c.oid, 'INSERT')), false)
            AND count(*) = 3 AS ok
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'pgphase' AND c.relname IN ('batch_samples', 'throttle_events', 'health_samples')`,
  );
  return rows[0]?.ok ?? false;
}

/** Records a period this runner waited on the health gate. */
export async function insertThrottleEvent(client: pg.ClientBase, runId: string, runner: string, reason: string, endedAt: Date, ms: number): Promise<void> {
  await client.query(
    `INSERT INTO pgphase.throttle_events (run_id, runner, reason, started_at, ended_at)
     VALUES ($1, $2, $3, $4::timestamptz - make_interval(secs => $5::float8 / 1000), $4::timestamptz)`,
    [runId, runner, reason, endedAt.toISOString(), ms],
  );
}
