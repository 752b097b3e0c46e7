/**
 * pgphase_1 and pgphase_n: the runner with its default settings (adaptive batches, ledger,
 * set-based procedures with quarantine), staging phase only, with 1 and with N workers.
 */
import { type Mode, rate, runnerDetail } from './types.js';
import { workSplit } from './ledgerDetail.js';
import { timeRunner } from './timeRunner.js';

export function pgphaseMode(name: 'pgphase_1' | 'pgphase_n'): Mode {
  return {
    name,
    start: 'clean',
    async run(ctx) {
      const workers = name === 'pgphase_1' ? 1 : ctx.workers;
      const { seconds, report, tables } = await timeRunner(ctx.url, 'staging', workers);
      const phase = report.phases[0]!;
      return {
        seconds,
        rows: phase.rowsIn,
        rowsPerSec: rate(phase.rowsIn, seconds),
        staged: phase.written,
        quarantined: phase.rejected,
        workers,
        what: `runPipeline staging, ${workers} worker(s), default batch control`,
        notes: [workSplit(tables)],
        detail: runnerDetail(report, tables),
      };
    },
  };
}
