/**
 * The error budget: on input with 30% bad rows, `--max-quarantine-rate 0.05` stops the staging
 * run after its minimum sample (exit 1, the reason printed, status says STOPPED), before it has
 * written most of the table; the same run resumes and finishes once the limit is raised, with
 * every raw row staged or quarantined exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

interface Report {
  runId: string;
  status: string;
  rowsIn: number;
  stoppedBy?: string;
  phases: { written: number; rejected: number }[];
}

describe('error budget', () => {
  let db: TestDatabase;
  let raw = 0;
  beforeAll(async () => {
    db = await createTestDatabase();
    await db.query('CALL pipeline.generate_sample(4000, 5, 0.3)');
    const [r] = await db.query<{ n: number }>(
      `SELECT ((SELECT count(*) FROM raw.games) + (SELECT count(*) FROM raw.moneylines) + (SELECT count(*) FROM raw.spreads) + (SELECT count(*) FROM raw.totals))::int AS n`,
    );
    raw = r!.n;
  });
  afterAll(() => db.drop());
  const env = () => ({ DATABASE_URL: db.url });

  it('stops a run quarantining 30% under --max-quarantine-rate 0.05, and resumes it after the limit is raised', async () => {
    const args = ['run', 'staging', '--json', '--workers', '2', '--batch-initial', '100', '--batch-max', '200', '--budget-min-rows', '300'];
    const stopped = await runCli([...args, '--max-quarantine-rate', '0.05'], env());
    expect(stopped.code, stopped.stderr).toBe(1);
    expect(stopped.stderr).toMatch(/^error: run \d+ stopped: error budget: raw\.\w+ quarantined \d+ of \d+ rows \(\d+\.\d%\) > --max-quarantine-rate 0\.05$/m);
    expect(stopped.stderr).toMatch(/^hint: nothing is lost; .*resume with `pgphase run`/m);
    const first = JSON.parse(stopped.stdout) as Report;
    expect(first.status).toBe('running');
    expect(first.rowsIn).toBeLessThan(raw / 2);

    const status = await runCli(['status'], env());
    expect(status.code).toBe(1);
    expect(status.stdout).toMatch(new RegExp(`run ${first.runId} \\[staging\\] STOPPED`));

    const resumed = await runCli([...args, '--max-quarantine-rate', '0.5'], env());
    expect(resumed.code, resumed.stderr).toBe(0);
    const done = JSON.parse(resumed.stdout) as Report;
    expect(done).toMatchObject({ runId: first.runId, status: 'done' });
    expect(done.phases[0]!.written + done.phases[0]!.rejected).toBe(raw);
    const [staged] = await db.query<{ n: number }>(
      `SELECT ((SELECT count(*) FROM staging.games) + (SELECT count(*) FROM staging.moneylines) + (SELECT count(*) FROM staging.spreads)
             + (SELECT count(*) FROM staging.totals) + (SELECT count(*) FROM pgphase.quarantine))::int AS n`,
    );
    expect(staged!.n).toBe(raw);
  });

  it('rejects a rate outside [0, 1]', async () => {
    const bad = await runCli(['run', '--max-quarantine-rate', '5%'], env());
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: --max-quarantine-rate must be a share from 0 to 1/m);
  });
});
