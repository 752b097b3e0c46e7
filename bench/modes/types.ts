/**
 * What a benchmark mode is: a named piece of work over the same generated raw data in the same
 * database, timed by itself (so that setup it needs, say a staging run before the curated
 * phase, is not part of its time), started from the state it declares.
 */
import type { RunReport } from '../../runner/run/report.js';
import type { TableDetail } from './ledgerDetail.js';

export interface ModeContext {
  /** The bench database. */
  readonly url: string;
  /** Raw rows of the dataset (all four tables). */
  readonly rows: number;
  /** N, the workers of pgphase_n. */
  readonly workers: number;
  /** The runner's health gate (`--no-health-gate` turns its signals off, to measure its cost). */
  readonly healthGate: boolean;
  readonly recordWorkers: number;
  /** Rows the record mode really processes (a subset when below `rows`). */
  readonly recordRows: number;
  /** Rows the client loop really processes (a subset when below `rows`). */
  readonly clientLoopRows: number;
  /** Rows per statement of limit_batched (default LIMIT_BATCH_ROWS, bench/modes/limit.ts). */
  readonly limitBatchRows?: number;
  /** Progress lines for a human (stderr). */
  readonly say: (line: string) => void;
}

export interface ModeResult {
  /** Seconds for the mode's work over `rows` rows (extrapolated when `extrapolated`). */
  readonly seconds: number;
  readonly rowsPerSec: number;
  /** Rows the mode's rate is counted in (raw rows; staging rows for curated). */
  readonly rows: number;
  /** Rows accepted into staging (or games featured), for a cross-check between modes. */
  readonly staged?: number;
  readonly quarantined?: number;
  /** Checksum of the staged rows (bench/stagedChecksum.ts), set by the harness for full-data staging modes. */
  readonly checksum?: string;
  /** Measured on a subset of `measuredRows` rows in `measuredSeconds`, rate extrapolated. */
  readonly extrapolated?: { readonly measuredRows: number; readonly measuredSeconds: number };
  readonly workers?: number;
  /** One-line honest description of what was measured. */
  readonly what: string;
  readonly notes?: readonly string[];
  /** Mode-specific figures: per-table seconds, batch p50/p95, the runner's report... */
  readonly detail?: Record<string, unknown>;
  /** Set when the mode did not run, with the reason. */
  readonly skipped?: string;
}

/** The staging state a mode starts from: empty, or filled by a runner's staging phase. */
export type StartState = 'clean' | 'staged';

export interface Mode {
  readonly name: string;
  readonly start: StartState;
  run(ctx: ModeContext): Promise<ModeResult>;
}

export function rate(rows: number, seconds: number): number {
  return seconds > 0 ? Math.round(rows / seconds) : 0;
}

/** The parts of a runner report worth keeping in a benchmark result. */
export function runnerDetail(report: RunReport, tables?: readonly TableDetail[]): Record<string, unknown> {
  return {
    ...(tables ? { tables } : {}),
    runId: report.runId,
    status: report.status,
    runnerDurationMs: report.durationMs,
    peakRssMb: report.peakRssMb,
    poolHighWater: report.poolHighWater,
    phases: report.phases.map((p) => ({
      phase: p.phase,
      rowsIn: p.rowsIn,
      written: p.written,
      rejected: p.rejected,
      extras: p.extras,
      partitions: p.partitions.total,
      batches: p.batches,
      retries: p.retries,
      batchMsP50: p.batchMs.p50,
      batchMsP95: p.batchMs.p95,
      finalBatchSize: p.finalBatchSize,
      errorsBySqlstate: p.errorsBySqlstate,
    })),
    failedPartitions: report.failedPartitions,
  };
}
