/**
 * The run report: per phase rows in, written, rejected (and named extras), partitions, retries, errors by
 * SQLSTATE, duration, rows/s and p50/p95 batch time, read from the ledger (so it covers every
 * runner process that worked on the run), plus this process's peak RSS, pool high-water mark
 * and final batch sizes. It is printed with --json, stored in pgphase.runs.report, and shown
 * by `pgphase status`.
 */
import type pg from 'pg';
import type { RunStats } from './stats.js';

export interface PhaseReport {
  readonly phase: string;
  /** The generic phase contract (runner/run/phaseCounts.ts): source rows read, rows written, rows quarantined, named extras. */
  readonly rowsIn: number;
  readonly written: number;
  readonly rejected: number;
  readonly extras: Readonly<Record<string, number>>;
  readonly partitions: { readonly total: number; readonly done: number; readonly failed: number };
  readonly batches: number;
  readonly retries: number;
  readonly errorsBySqlstate: Record<string, number>;
  readonly durationMs: number;
  readonly rowsPerSec: number;
  readonly batchMs: { readonly p50: number | null; readonly p95: number | null };
  readonly finalBatchSize: number | null;
}

export interface FailedPartition {
  readonly id: string;
  readonly table: string;
  readonly lo: string;
  readonly hi: string;
  readonly sqlstate: string | null;
  readonly error: string | null;
}

/** A blue-green phase's build in this run: where it is and what verification found. */
export interface BuildReport {
  readonly phase: string;
  readonly schema: string;
  readonly state: string;
  readonly checks: readonly {
    readonly name: string;
    readonly passed: boolean;
    readonly violations: number;
    readonly sample: readonly unknown[];
    readonly error?: string;
  }[];
}

export interface RunReport {
  readonly runId: string;
  readonly status: 'done' | 'failed' | 'running';
  readonly resumed: boolean;
  readonly workers: number;
  readonly phases: PhaseReport[];
  readonly failedPartitions: FailedPartition[];
  readonly blockedSteps: string[];
  readonly rowsIn: number;
  readonly durationMs: number;
  readonly rowsPerSec: number;
  readonly peakRssMb: number;
  readonly poolHighWater: number;
  /** Blue-green phases of the run (runner/bluegreen/), once the run has settled. */
  readonly builds?: readonly BuildReport[];
  /** Seconds the health gate held the run, per reason, over all its runner processes. */
  readonly throttledSeconds?: Record<string, number>;
  /** What the health gate cost this runner process: probes, their total ms, and ms its workers waited on a healthy gate. */
  readonly gate?: { readonly probes: number; readonly probeMs: number; readonly healthyWaitMs: number };
  /** Why the run stopped before it was done (error budget, critical threshold); it is resumable. */
  readonly stoppedBy?: string;
}

const round1 = (ms: number | null) => (ms === null ? null : Math.round(ms * 10) / 10);

export async function buildReport(
  client: pg.ClientBase,
  runId: string,
  context: { stats: RunStats; workers: number; resumed: boolean; status: RunReport['status'] },
): Promise<RunReport> {
  const { rows: phases } = await client.query<{
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
  }>(
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
  const { rows: errors } = await client.query<{ phase: string; sqlstate: string; n: string }>(
    `SELECT p.phase, e.key AS sqlstate, sum(e.value::int) AS n
       FROM pgphase.partitions p, jsonb_each_text(p.errors) e WHERE p.run_id = $1 GROUP BY 1, 2`,
    [runId],
  );
  const { rows: failed } = await client.query<FailedPartition>(
    `SELECT id::text, source_table AS table, lo::text, hi::text, last_sqlstate AS sqlstate, last_error AS error
       FROM pgphase.partitions WHERE run_id = $1 AND status = 'failed' ORDER BY id`,
    [runId],
  );
  const { rows: blocked } = await client.query<{ source_table: string }>(
    `SELECT source_table FROM pgphase.run_steps WHERE run_id = $1 AND status = 'blocked' ORDER BY ordinal`,
    [runId],
  );
  const { rows: span } = await client.query<{ ms: number }>(
    `SELECT coalesce(extract(epoch FROM coalesce(finished_at, now()) - started_at) * 1000, 0)::float8 AS ms FROM pgphase.runs WHERE id = $1`,
    [runId],
  );
  const phaseReports: PhaseReport[] = phases.map((p) => {
    const rowsIn = Number(p.rows_in);
    return {
      phase: p.phase,
      rowsIn,
      written: Number(p.written),
      rejected: Number(p.rejected),
      extras: Object.fromEntries(Object.entries(p.extras ?? {}).map(([k, v]) => [k, Number(v)])),
      partitions: { total: p.total, done: p.done, failed: p.failed },
      batches: Number(p.batches),
      retries: Number(p.retries),
      errorsBySqlstate: Object.fromEntries(errors.filter((e) => e.phase === p.phase).map((e) => [e.sqlstate, Number(e.n)])),
      durationMs: Math.round(p.ms),
      rowsPerSec: p.ms > 0 ? Math.round(rowsIn / (p.ms / 1000)) : 0,
      batchMs: { p50: round1(p.p50), p95: round1(p.p95) },
      finalBatchSize: context.stats.finalBatchSizes.get(p.phase) ?? null,
    };
  });
  const rowsIn = phaseReports.reduce((a, p) => a + p.rowsIn, 0);
  const durationMs = Math.round(span[0]?.ms ?? 0);
  context.stats.sampleMemory();
  return {
    runId,
    status: context.status,
    resumed: context.resumed,
    workers: context.workers,
    phases: phaseReports,
    failedPartitions: failed,
    blockedSteps: blocked.map((b) => b.source_table),
    rowsIn,
    durationMs,
    rowsPerSec: durationMs > 0 ? Math.round(rowsIn / (durationMs / 1000)) : 0,
    peakRssMb: Math.round((context.stats.peakRss / 1048576) * 10) / 10,
    poolHighWater: context.stats.poolHighWater,
    gate: {
      probes: context.stats.gate.probes,
      probeMs: Math.round(context.stats.gate.probeMs),
      healthyWaitMs: Math.round(context.stats.gate.healthyWaitMs),
    },
  };
}
