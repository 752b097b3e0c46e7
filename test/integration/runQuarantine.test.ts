/**
 * A run's quarantine is kept with the run: each batch's sample counts the rows it quarantined by
 * reason, so the first run's report and `quarantine list --run` stay exact after a second run
 * took every quarantined row over (pgphase.quarantine.run_id) and after a replay.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PHASES } from '../../runner/odds/phases.js';
import { loadReportData } from '../../runner/report/reportData.js';
import { runPipeline } from '../../runner/run/runPipeline.js';
import { runCli } from '../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

type Group = { reason: string; table: string; rows: number };
const sorted = (g: readonly Group[]) => [...g].sort((a, b) => `${a.table} ${a.reason}`.localeCompare(`${b.table} ${b.reason}`));

describe("a run's quarantine, kept with the run", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
    await db.query('CALL pipeline.generate_sample(3000, 11, 0.1)');
  });
  afterAll(() => db?.drop());

  const stage = async () => {
    const report = await runPipeline({ url: db.url, phaseList: PHASES, phases: ['staging'], workers: 2, fresh: true, health: { enabled: false } });
    expect(report.status).toBe('done');
    return report.runId;
  };

  it("keeps the first run's breakdown by reason and table after a second run and a replay took its rows over", async () => {
    const first = await stage();
    // What the first run quarantined, read from pgphase.quarantine before anything else touches it.
    const truth = await db.query<Group>(
      `SELECT reason_code AS reason, source_table AS table, count(*)::int AS rows FROM pgphase.quarantine WHERE run_id = $1 GROUP BY 1, 2`,
      [first],
    );
    expect(truth.reduce((a, g) => a + g.rows, 0)).toBeGreaterThan(50);
    const c = await db.pool.connect();
    try {
      expect(sorted((await loadReportData(c, first)).quarantine)).toEqual(sorted(truth));
      const second = await stage();
      const [left] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM pgphase.quarantine WHERE run_id = $1`, [first]);
      expect(left!.n).toBe(0); // every row is the second run's now
      const replay = await runCli(['quarantine', 'replay', '--json'], { DATABASE_URL: db.url });
      expect(replay.code, replay.stderr).toBe(0);

      expect(sorted((await loadReportData(c, first)).quarantine)).toEqual(sorted(truth));
      expect(sorted((await loadReportData(c, second)).quarantine)).toEqual(sorted(truth)); // the same data, the same rejections
      const listed = await runCli(['quarantine', 'list', '--run', first, '--json'], { DATABASE_URL: db.url });
      expect(listed.code, listed.stderr).toBe(0);
      const summary = JSON.parse(listed.stdout) as { total: number; byReason: Group[]; rows: unknown[] };
      expect(sorted(summary.byReason)).toEqual(sorted(truth));
      expect(summary.total).toBe(truth.reduce((a, g) => a + g.rows, 0));
      expect(summary.rows).toEqual([]); // its rows are attributed to later runs now
      const missing = await runCli(['quarantine', 'list', '--run', '999'], { DATABASE_URL: db.url });
      expect(missing.code).toBe(2);
      expect(missing.stderr).toMatch(/run 999 does not exist/);
    } finally {
      c.release();
    }
  });
});
