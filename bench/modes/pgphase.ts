/**
 * pgphase_1 and pgphase_n: the runner with its default settings (adaptive batches, ledger,
 * set-based procedures with quarantine), staging phase only, with 1 and with N workers.
 * pgphase_1_nogate and pgphase_n_nogate: the same without the health gate's signals (as
 * `pgphase run --no-health-gate`), so that one bench shows what the gate costs.
 */
import { type Mode, rate, runnerDetail } from './types.js';
import { workSplit } from './ledgerDetail.js';
import { timeRunner } from './timeRunner.js';
import type { RunReport } from '../../runner/run/report.js';

/** The gate's own cost in this run, as the runner measured it (probes, and waits on a healthy gate). */
function gateCost(report: RunReport, seconds: number, workers: number): string {
  const g = report.gate;
  if (!g) return 'health gate: not measured';
  const share = seconds > 0 ? (g.healthyWaitMs / (seconds * 1000 * workers)) * 100 : 0;
  return `health gate: ${g.probes} probes, ${g.probes ? (g.probeMs / g.probes).toFixed(1) : '-'} ms each; workers waited ${g.healthyWaitMs} ms on it while healthy (${share.toFixed(2)}% of worker time)`;
}

export type PgphaseModeName = 'pgphase_1' | 'pgphase_n' | 'pgphase_1_nogate' | 'pgphase_n_nogate';

export function pgphaseMode(name: PgphaseModeName): Mode {
  const gated = !name.endsWith('_nogate');
  return {
    name,
    start: 'clean',
    async run(ctx) {
      const workers = name.startsWith('pgphase_1') ? 1 : ctx.workers;
      const healthGate = gated && ctx.healthGate;
      const { seconds, report, tables } = await timeRunner(ctx.url, 'staging', workers, { healthGate });
      const phase = report.phases[0]!;
      return {
        seconds,
        rows: phase.rowsIn,
        rowsPerSec: rate(phase.rowsIn, seconds),
        staged: phase.written,
        quarantined: phase.rejected,
        workers,
        what: `runPipeline staging, ${workers} worker(s), default batch control${healthGate ? '' : ', health gate signals off'}`,
        notes: [workSplit(tables), gateCost(report, seconds, workers)],
        detail: runnerDetail(report, tables),
      };
    },
  };
}
