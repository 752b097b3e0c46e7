/**
 * curated: the curated phase alone through the runner (N workers), over the staging rows a
 * runner's staging run left (the harness runs staging first, untimed, if the previous mode did
 * not). Its rate counts the staging rows the phase reads (games and market rows); games/s is
 * in the detail.
 */
import pg from 'pg';
import { type Mode, rate, runnerDetail } from './types.js';
import { workSplit } from './ledgerDetail.js';
import { timeRunner } from './timeRunner.js';

async function stagingRows(url: string): Promise<{ exists: boolean; games: number; markets: number }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ exists: boolean; games: string; markets: string }>(
      `SELECT EXISTS (SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                       WHERE n.nspname = 'curated' AND p.proname = 'build_features' AND p.prokind = 'p') AS exists,
              (SELECT count(*) FROM staging.games) AS games,
              (SELECT count(*) FROM staging.moneylines) + (SELECT count(*) FROM staging.spreads)
                + (SELECT count(*) FROM staging.totals) AS markets`,
    );
    const r = rows[0]!;
    return { exists: r.exists, games: Number(r.games), markets: Number(r.markets) };
  } finally {
    await client.end();
  }
}

export const curatedMode: Mode = {
  name: 'curated',
  start: 'staged',
  async run(ctx) {
    const input = await stagingRows(ctx.url);
    const what = `runPipeline curated, ${ctx.workers} worker(s), after a staging run`;
    if (!input.exists) return { seconds: 0, rowsPerSec: 0, rows: 0, what, skipped: 'procedure curated.build_features is not in the migrated database' };
    const { seconds, report, tables } = await timeRunner(ctx.url, 'curated', ctx.workers);
    const phase = report.phases[0]!;
    const rows = input.games + input.markets;
    return {
      seconds,
      rows,
      rowsPerSec: rate(rows, seconds),
      staged: phase.written,
      workers: ctx.workers,
      what,
      notes: [`rows are staging rows read (${input.games} games + ${input.markets} market rows); ${rate(phase.rowsIn, seconds)} games/s`, workSplit(tables)],
      detail: { games: input.games, marketRows: input.markets, gamesPerSec: rate(phase.rowsIn, seconds), ...runnerDetail(report, tables) },
    };
  },
};
