/**
 * Reads of a run's ledger for judging and reporting it as it goes and ends: a step's tally for
 * the error budget (runner/run/errorBudget.ts), the phases' spans for working time
 * (runner/run/workingTime.ts), and the figures of the run report (runner/run/report.ts). Read
 * from the ledger, they cover every runner process that worked on the run.
 */
import type pg from 'pg';

/** A step's rows and quarantined rows so far, and the run's failed partitions. */
export interface StepTally {
  readonly source: string;
  readonly rowsIn: number;
  readonly quarantined: number;
  readonly failedPartitions: number;
}

/** Reads a step's tally (and the run's failed partitions) from the ledger. */
export async function stepTally(c: pg.ClientBase, runId: string, stepId: string): Promise<StepTally> {
  const { rows } = await c.query<{ source: string; rows_in: string; quarantined: string; failed: number }>(
    `SELECT (SELECT source_table FROM pgphase.run_steps WHERE id = $2) AS source,
            coalesce(sum(rows_in) FILTER (WHERE step_id = $2), 0)::text AS rows_in,
            coalesce(sum(rejected) FILTER (WHERE step_id = $2), 0)::text AS quarantined,
            count(*) FILTER (WHERE status = 'failed')::int AS failed
       FROM pgphase.partitions WHERE run_id = $1`,
    [runId, stepId],
  );
  const r = rows[0]!;
  return { source: r.source, rowsIn: Number(r.rows_in), quarantined: Number(r.quarantined), failedPartitions: r.failed };
}

/** Each phase's span in the run: its partitions' first start and last finish. */
export async function phaseSpans(c: pg.ClientBase, runId: string): Promise<{ phase: string; lo: string | null; hi: string | null }[]> {
  const { rows: spans } = await c.query<{ phase: string; lo: string | null; hi: string | null }>(
    `SELECT phase, min(started_at)::text AS lo, max(finished_at)::text AS hi FROM pgphase.partitions WHERE run_id = $1 GROUP BY phase`,
    [runId],
  );
  return spans;
}

/** One phase's totals, as the ledger holds them (numbers of bigint sums as text). */
export interface PhaseTotalsRow {
  phase: string;
  rows_in: string;
  written: string;
  rejected: string;
  extras: Record<string, string> | null;
  total: number;
  done: number;
  failed: number;
  batches: string;
  retries: string;
  ms: number;
  p50: number | null;
  p95: number | null;
}

/** Per phase of the run, in step order: counts, partitions, batches, retries, span and batch-time percentiles. */
export async function phaseTotals(client: pg.ClientBase, runId: string): Promise<PhaseTotalsRow[]> {
  const { rows: phases } = await client.query<PhaseTotalsRow>(
    `WITH p AS (SELECT * FROM pgphase.partitions WHERE run_id = $1)
     SELECT s.phase,
            coalesce(sum(p.rows_in), 0) AS rows_in, coalesce(sum(p.written), 0) AS written,
            coalesce(sum(p.rejected), 0) AS rejected,
            (SELECT jsonb_object_agg(e.key, e.n) FROM (SELECT x.key, sum(x.value::bigint)::text AS n FROM p p3 JOIN pgphase.run_steps s3 ON s3.id = p3.step_id,
                    jsonb_each_text(p3.extras) x WHERE s3.phase = s.phase GROUP BY x.key) e) AS extras,
            count(p.id)::int AS total, count(p.id) FILTER (WHERE p.status = 'done')::int AS done,
            count(p.id) FILTER (WHERE p.status = 'failed')::int AS failed,
            coalesce(sum(p.batches), 0) AS batches, coalesce(sum(p.retries), 0) AS retries,
            coalesce(extract(epoch FROM max(p.finished_at) - min(p.started_at)) * 1000, 0)::float8 AS ms,
            (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY b) FROM p p2 JOIN pgphase.run_steps s2 ON s2.id = p2.step_id, unnest(p2.batch_ms) b WHERE s2.phase = s.phase) AS p50,
            (SELECT percentile_cont(0.95) WITHIN GROUP (ORDER BY b) FROM p p2 JOIN pgphase.run_steps s2 ON s2.id = p2.step_id, unnest(p2.batch_ms) b WHERE s2.phase = s.phase) AS p95
       FROM pgphase.run_steps s LEFT JOIN p ON p.step_id = s.id
      WHERE s.run_id = $1
      GROUP BY s.phase ORDER BY min(s.ordinal)`,
    [runId],
  );
  return phases;
}

/** Errors of the run's partitions by phase and SQLSTATE (n: a bigint sum as text). */
export async function errorsByPhase(client: pg.ClientBase, runId: string): Promise<{ phase: string; sqlstate: string; n: string }[]> {
  const { rows: errors } = await client.query<{ phase: string; sqlstate: string; n: string }>(
    `SELECT p.phase, e.key AS sqlstate, sum(e.value::int) AS n
       FROM pgphase.partitions p, jsonb_each_text(p.errors) e WHERE p.run_id = $1 GROUP BY 1, 2`,
    [runId],
  );
  return errors;
}

/** A failed partition of the run, with its last error. */
export interface FailedPartition {
  readonly id: string;
  readonly table: string;
  readonly lo: string;
  readonly hi: string;
  readonly sqlstate: string | null;
  readonly error: string | null;
}

/** The run's failed partitions, in order. */
export async function failedPartitions(client: pg.ClientBase, runId: string): Promise<FailedPartition[]> {
  const { rows: failed } = await client.query<FailedPartition>(
    `SELECT p.id::text, p.source_table AS table, p.lo::text, p.hi::text, p.last_sqlstate AS sqlstate, p.last_error AS error
       FROM pgphase.partitions p WHERE p.run_id = $1 AND p.status = 'failed' ORDER BY p.id`,
    [runId],
  );
  return failed;
}

/** Source tables of the run's blocked steps, in step order. */
export async function blockedSteps(client: pg.ClientBase, runId: string): Promise<string[]> {
  const { rows: blocked } = await client.query<{ source_table: string }>(
    `SELECT source_table FROM pgphase.run_steps WHERE run_id = $1 AND status = 'blocked' ORDER BY ordinal`,
    [runId],
  );
  return blocked.map((b) => b.source_table);
}

/** The run's wall-clock span so far (to now while it is unfinished), ms; 0 for an unknown run. */
export async function runSpanMs(client: pg.ClientBase, runId: string): Promise<number> {
  const { rows: span } = await client.query<{ ms: number }>(
    `SELECT coalesce(extract(epoch FROM coalesce(finished_at, now()) - started_at) * 1000, 0)::float8 AS ms FROM pgphase.runs WHERE id = $1`,
    [runId],
  );
  return span[0]?.ms ?? 0;
}

/**
 * The run's rows for its progress: planned (each step's estimate once it is planned, else its
 * source's row estimate from the statistics) and already read by committed batches (by any
 * runner process, this one included).
 */
export async function runRowTotals(client: pg.ClientBase, runId: string): Promise<{ planned: number; read: number }> {
  const { rows } = await client.query<{ planned: number; read: number }>(
    `SELECT coalesce((SELECT sum(coalesce(s.estimated_rows, (SELECT greatest(c.reltuples, 0) FROM pg_class c WHERE c.oid = to_regclass(s.source_table)), 0))
                        FROM pgphase.run_steps s WHERE s.run_id = $1), 0)::float8 AS planned,
            coalesce((SELECT sum(p.rows_in) FROM pgphase.partitions p WHERE p.run_id = $1), 0)::float8 AS read`,
    [runId],
  );
  return rows[0]!;
}
