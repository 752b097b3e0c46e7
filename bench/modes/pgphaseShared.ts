/**
 * pgphase_n_shared (diagnostic): N runner instances with 1 worker each, sharing one run through
 * the ledger, as N runner processes on N hosts would (DESIGN: "any number of runner processes
 * can share one run"). The first creates the run; the others join it once it exists. Beside
 * pgphase_n (one runner, N workers) it shows how much of the parallel speed-up the single
 * runner's worker scheduling leaves on the table.
 */
import pg from 'pg';
import { PHASES } from '../../runner/odds/phases.js';
import { runPipeline } from '../../runner/run/runPipeline.js';
import { ledgerDetail, workSplit } from './ledgerDetail.js';
import { type Mode, rate, runnerDetail } from './types.js';
import { sleep } from '../../runner/sleep.js';

/** Waits until the first runner has created its run (a deadline of 30 s). */
async function waitForRun(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const deadline = Date.now() + 30_000; Date.now() < deadline; await sleep(5)) {
      const { rows } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM pgphase.runs WHERE status = 'running'`);
      if (rows[0]!.n > 0) return;
    }
    throw new Error('the first runner did not create its run within 30 s');
  } finally {
    await client.end();
  }
}

export const pgphaseSharedMode: Mode = {
  name: 'pgphase_n_shared',
  start: 'clean',
  async run(ctx) {
    const run = (fresh: boolean) =>
      runPipeline({ url: ctx.url, phaseList: PHASES, phases: ['staging'], workers: 1, fresh, progress: 'none', health: { enabled: ctx.healthGate } });
    const started = performance.now();
    const first = run(true);
    await waitForRun(ctx.url);
    const reports = await Promise.all([first, ...Array.from({ length: ctx.workers - 1 }, () => run(false))]);
    const seconds = (performance.now() - started) / 1000;
    const runs = new Set(reports.map((r) => r.runId));
    if (runs.size !== 1) throw new Error(`the runner instances did not share one run: runs ${[...runs].join(', ')}`);
    const failed = reports.find((r) => r.status !== 'done');
    if (failed) throw new Error(`the shared run ${failed.runId} ended ${failed.status}`);
    const phase = reports[0]!.phases[0]!;
    const tables = await ledgerDetail(ctx.url, reports[0]!.runId);
    return {
      seconds,
      rows: phase.rowsIn,
      rowsPerSec: rate(phase.rowsIn, seconds),
      staged: phase.written,
      quarantined: phase.rejected,
      workers: ctx.workers,
      what: `diagnostic: ${ctx.workers} runPipeline instances x 1 worker sharing one run (as ${ctx.workers} runner processes would)`,
      notes: [workSplit(tables)],
      detail: runnerDetail(reports[0]!, tables),
    };
  },
};
