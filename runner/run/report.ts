/**
 * The run report: per phase rows in, written, rejected (and named extras), partitions, retries, errors by
 * SQLSTATE, duration, rows/s and p50/p95 batch time, read from the ledger (runner/ledger/runReads.ts,
 * so it covers every runner process that worked on the run), plus this process's peak RSS, pool high-water mark
 * and final batch sizes. It is printed with --json, stored in pgphase.runs.report, and shown
 * by `pgphase status`.
 */
import type pg from 'pg';
import { blockedSteps, errorsByPhase, type FailedPartition, failedPartitions, phaseTotals, runSpanMs } from '../ledger/runReads.js';
import type { RunStats } from './stats.js';

export type { FailedPartition } from '../ledger/runReads.js';

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
  const phases = await phaseTotals(client, runId);
  const errors = await errorsByPhase(client, runId);
  const failed = await failedPartitions(client, runId);
  const blocked = await blockedSteps(client, runId);
  const spanMs = await runSpanMs(client, runId);
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
  const durationMs = Math.round(spanMs);
  context.stats.sampleMemory();
  return {
    runId,
    status: context.status,
    resumed: context.resumed,
    workers: context.workers,
    phases: phaseReports,
    failedPartitions: failed,
    blockedSteps: blocked,
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
