/**
 * The error budget (`--max-quarantine-rate`, `--max-failed-partitions`): a run whose steps
 * quarantine most of their input, or whose partitions keep failing, is stopped (a stop-pause in
 * pgphase.run_control, exit 1, resumable) before it writes a mostly-rejected table. Off by
 * default. The rate is judged per step, once the step has seen `minRows` rows, from the ledger
 * (so every runner process of the run counts; runner/ledger/runReads.ts reads it).
 */
import type pg from 'pg';
import { type StepTally, stepTally } from '../ledger/runReads.js';

export interface ErrorBudget {
  /** Largest share of a step's rows that may be quarantined, in [0, 1]; null = no limit. */
  readonly maxQuarantineRate: number | null;
  /** Rows a step must have seen before its rate is judged. Default 1000. */
  readonly minRows: number;
  /** Most partitions of the run that may fail; null = no limit. */
  readonly maxFailedPartitions: number | null;
}

export const NO_BUDGET: ErrorBudget = { maxQuarantineRate: null, minRows: 1_000, maxFailedPartitions: null };

export type { StepTally };

export const budgetEnabled = (b: ErrorBudget) => b.maxQuarantineRate !== null || b.maxFailedPartitions !== null;

/** What crossed the budget, as the message a DBA reads; null within it. Pure. */
export function overBudget(t: StepTally, b: ErrorBudget): string | null {
  if (b.maxFailedPartitions !== null && t.failedPartitions > b.maxFailedPartitions) {
    return `error budget: ${t.failedPartitions} failed partitions > --max-failed-partitions ${b.maxFailedPartitions}`;
  }
  if (b.maxQuarantineRate !== null && t.rowsIn >= b.minRows && t.rowsIn > 0) {
    const rate = t.quarantined / t.rowsIn;
    if (rate > b.maxQuarantineRate) {
      return `error budget: ${t.source} quarantined ${t.quarantined} of ${t.rowsIn} rows (${(rate * 100).toFixed(1)}%) > --max-quarantine-rate ${b.maxQuarantineRate}`;
    }
  }
  return null;
}

/** Reads a step's tally (and the run's failed partitions) from the ledger and judges it. */
export async function checkBudget(c: pg.ClientBase, runId: string, stepId: string, b: ErrorBudget): Promise<string | null> {
  return overBudget(await stepTally(c, runId, stepId), b);
}
