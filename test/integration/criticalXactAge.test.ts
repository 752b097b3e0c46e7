/**
 * A critical threshold stops the run for real: `pgphase run --critical-xact-age` with a
 * transaction left open in another session mid-run stops the run cleanly (the batches in flight
 * commit, exit 1, the reason printed, `status` says STOPPED); once the transaction ends, a plain
 * `pgphase run` resumes the same run and finishes it with every raw row staged or quarantined
 * exactly once.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli } from '../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { until } from '../support/poll.js';

interface Report {
  runId: string;
  status: string;
  rowsIn: number;
  stoppedBy?: string;
}

const RAW = `SELECT ((SELECT count(*) FROM raw.games) + (SELECT count(*) FROM raw.moneylines) + (SELECT count(*) FROM raw.spreads) + (SELECT count(*) FROM raw.totals))::int AS n`;
const STAGED = `SELECT ((SELECT count(*) FROM staging.games) + (SELECT count(*) FROM staging.moneylines) + (SELECT count(*) FROM staging.spreads)
                      + (SELECT count(*) FROM staging.totals) + (SELECT count(*) FROM pgphase.quarantine))::int AS n`;

describe('critical thresholds', () => {
  let db: TestDatabase;
  let raw = 0;
  beforeAll(async () => {
    db = await createTestDatabase();
    await db.query('CALL pipeline.generate_sample(1000, 5, 0.05)');
    raw = (await db.query<{ n: number }>(RAW))[0]!.n;
  });
  afterAll(() => db.drop());
  const env = () => ({ DATABASE_URL: db.url });

  it('--critical-xact-age stops a run when a transaction is left open mid-run (exit 1, reason printed), and the run resumes with nothing lost', async () => {
    const args = ['run', 'staging', '--json', '--workers', '2', '--batch-min', '20', '--batch-initial', '20', '--batch-max', '20', '--health-interval', '10'];
    const first = startCli([...args, '--critical-xact-age', '100'], env());
    const forgotten = new pg.Client({ connectionString: db.url, application_name: 'forgotten session' });
    await forgotten.connect();
    try {
      let exited = false;
      void first.done.then(() => (exited = true));
      await until(async () => exited || (await db.query(`SELECT 1 FROM pgphase.partitions WHERE batches > 0 LIMIT 1`)).length > 0, 'a batch committed');
      expect(exited, (await Promise.race([first.done, Promise.resolve(null)]))?.stderr).toBe(false);
      await forgotten.query('BEGIN');
      await forgotten.query('SELECT txid_current()');
      const stopped = await first.done;
      expect(stopped.code, stopped.stderr).toBe(1);
      expect(stopped.stderr).toMatch(/^error: run \d+ stopped: transaction of pid \d+ open \d+(\.\d)? s > critical 0\.1 s$/m);
      expect(stopped.stderr).toMatch(/^hint: nothing is lost; .*resume with `pgphase run`/m);
      const report = JSON.parse(stopped.stdout) as Report;
      expect(report.status).toBe('running');
      expect(report.rowsIn).toBeGreaterThan(0);
      expect(report.rowsIn).toBeLessThan(raw);
      const status = await runCli(['status'], env());
      expect(status.stdout).toMatch(new RegExp(`run ${report.runId} \\[staging\\] STOPPED`));

      await forgotten.query('COMMIT');
      const resumed = await runCli(['run', 'staging', '--json', '--workers', '2', '--critical-xact-age', '100'], env());
      expect(resumed.code, resumed.stderr).toBe(0);
      expect(JSON.parse(resumed.stdout)).toMatchObject({ runId: report.runId, status: 'done' });
      expect((await db.query<{ n: number }>(STAGED))[0]!.n).toBe(raw);
    } finally {
      await forgotten.end();
    }
  });
});
