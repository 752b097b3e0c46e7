/**
 * The report's times as working time: the run's and each phase's duration (and so rows/s) are
 * the union of the runner processes' intervals (pgphase.run_runners), clipped to the phase's
 * span, so a run resumed after a night does not count the night; plus the throttled seconds
 * per reason and, for a stopped run, why it stopped.
 */
import type pg from 'pg';
import { throttledSeconds, workingMs } from '../ledger/control.js';
import { phaseSpans } from '../ledger/runReads.js';
import type { RunReport } from './report.js';

export async function withWorkingTime(c: pg.ClientBase, built: RunReport, stoppedBy: string | undefined): Promise<RunReport> {
  const durationMs = await workingMs(c, built.runId);
  const spans = await phaseSpans(c, built.runId);
  const phases = [];
  for (const p of built.phases) {
    const span = spans.find((x) => x.phase === p.phase);
    const ms = span?.lo && span.hi ? Math.min(p.durationMs, await workingMs(c, built.runId, span.lo, span.hi)) : p.durationMs;
    phases.push({ ...p, durationMs: ms, rowsPerSec: ms > 0 ? Math.round(p.rowsIn / (ms / 1000)) : 0 });
  }
  return {
    ...built,
    phases,
    durationMs,
    rowsPerSec: durationMs > 0 ? Math.round(built.rowsIn / (durationMs / 1000)) : 0,
    throttledSeconds: await throttledSeconds(c, built.runId),
    ...(stoppedBy ? { stoppedBy } : {}),
  };
}
