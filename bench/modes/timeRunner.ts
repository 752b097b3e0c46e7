/**
 * Times one fresh run of the real runner (`runPipeline`) over the bench database: wall time
 * around the whole call, so planning, ANALYZE of the key column, ledger writes and connection
 * set-up are all in it, as they are for a user.
 */
import type { Phase } from '../../runner/phases.js';
import { PHASES } from '../../runner/odds/phases.js';
import { runPipeline } from '../../runner/run/runPipeline.js';
import type { RunReport } from '../../runner/run/report.js';
import { ledgerDetail, type TableDetail } from './ledgerDetail.js';

export interface TimedRun {
  readonly seconds: number;
  readonly report: RunReport;
  /** Per source table, from the ledger (read after the timed call). */
  readonly tables: TableDetail[];
}

export async function timeRunner(
  url: string,
  phase: 'staging' | 'curated',
  workers: number,
  options: { forcePerRecord?: boolean; phaseList?: readonly Phase[]; healthGate?: boolean } = {},
): Promise<TimedRun> {
  const started = performance.now();
  const report = await runPipeline({
    url,
    phases: [phase],
    workers,
    fresh: true,
    forcePerRecord: options.forcePerRecord ?? false,
    progress: 'none',
    health: { enabled: options.healthGate ?? true },
    phaseList: options.phaseList ?? PHASES,
  });
  const seconds = (performance.now() - started) / 1000;
  if (report.status !== 'done') {
    const failures = report.failedPartitions.map((f) => `${f.table} [${f.lo}..${f.hi}] ${f.sqlstate} ${f.error}`).join('; ');
    throw new Error(`the ${phase} run ${report.runId} ended ${report.status}: ${failures || report.blockedSteps.join(', ')}`);
  }
  return { seconds, report, tables: await ledgerDetail(url, report.runId) };
}
