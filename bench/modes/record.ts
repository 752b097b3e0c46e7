/**
 * record: the same procedures through the same runner, forced onto their per-record savepoint
 * path for every row (`forcePerRecord`: pgphase.force_per_record=on on each connection), as a
 * batch that fell back would run. Workers: --record-workers, N by default.
 *
 * With --record-rows below the dataset, the runner works on a subset (see subset.ts: its
 * sources are key tables holding every game id and the first market ids) and the time is
 * extrapolated: the measured wall time times the ratio of work, a table's work being its rows
 * times the procedure time per row the ledger recorded for it (pgphase.partitions.batch_ms).
 */
import pg from 'pg';
import { PHASES } from '../../runner/odds/phases.js';
import { createSubsetKeys, extrapolate, rawCounts, subsetQuotas, subsetStagingPhase } from '../subset.js';
import { workSplit } from './ledgerDetail.js';
import { timeRunner } from './timeRunner.js';
import { type Mode, rate, runnerDetail } from './types.js';

export const recordMode: Mode = {
  name: 'record',
  start: 'clean',
  async run(ctx) {
    const workers = ctx.recordWorkers;
    const what = `runPipeline staging with forcePerRecord (a savepoint per row), ${workers} worker(s)`;
    if (ctx.recordRows >= ctx.rows) {
      const { seconds, report, tables } = await timeRunner(ctx.url, 'staging', workers, { forcePerRecord: true, healthGate: ctx.healthGate });
      const phase = report.phases[0]!;
      return {
        seconds,
        rows: phase.rowsIn,
        rowsPerSec: rate(phase.rowsIn, seconds),
        staged: phase.written,
        quarantined: phase.rejected,
        workers,
        what,
        notes: [workSplit(tables)],
        detail: runnerDetail(report, tables),
      };
    }
    const client = new pg.Client({ connectionString: ctx.url });
    await client.connect();
    try {
      const full = await rawCounts(client);
      const quotas = subsetQuotas(full, ctx.recordRows);
      await createSubsetKeys(client, quotas);
      const staging = PHASES.find((p) => p.name === 'staging')!;
      const {
        seconds: measured,
        report,
        tables,
      } = await timeRunner(ctx.url, 'staging', workers, { forcePerRecord: true, healthGate: ctx.healthGate, phaseList: [subsetStagingPhase(staging)] });
      const phase = report.phases[0]!;
      // Procedure milliseconds per row of each table, from the ledger.
      const cost = Object.fromEntries(tables.map((t) => [t.table.replace(/^[a-z_]+\./, ''), t.rows > 0 ? t.busyMs / t.rows : 0]));
      const seconds = extrapolate(measured, quotas, full, cost);
      return {
        seconds,
        rows: ctx.rows,
        rowsPerSec: rate(ctx.rows, seconds),
        staged: phase.written,
        quarantined: phase.rejected,
        workers,
        extrapolated: { measuredRows: phase.rowsIn, measuredSeconds: Math.round(measured * 1000) / 1000 },
        what,
        notes: [
          "run on a subset (every game, the first market rows by id) and extrapolated by each table's procedure ms per row; staged/quarantined are the subset's",
          workSplit(tables),
        ],
        detail: { subset: quotas, procedureMsPerRow: cost, ...runnerDetail(report, tables) },
      };
    } finally {
      await client.end();
    }
  },
};
