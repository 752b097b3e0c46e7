/**
 * Operator control through the database: `pgphase pause`, `tune --workers 1` and `resume`, each
 * from a second process, change a run in progress in a first process (observed in the ledger:
 * pgphase.run_runners), and the result equals an undisturbed run's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli } from '../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { until } from '../support/poll.js';
import { copyDefects, FIXTURE_PHASES_FILE, setUpFixture } from '../support/runnerFixture.js';

const ROWS = 1_500;

describe('pause, tune and resume from another process', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
    await setUpFixture(db, ROWS);
    await db.query(`ALTER DATABASE ${db.name} SET fixture.sleep_ms = 100`);
    // Holds the run after its first batches until the test has paused it, so that the pause
    // always meets a run in progress however slow the machine is.
    await db.query('CREATE TABLE fixture.gate (hold boolean NOT NULL); INSERT INTO fixture.gate VALUES (true)');
  });
  afterAll(() => db.drop());

  const env = () => ({ DATABASE_URL: db.url, PGPHASE_PHASES: FIXTURE_PHASES_FILE });
  const runner = async () => (await db.query<{ state: string; workers: number }>(`SELECT state, workers FROM pgphase.run_runners WHERE ended_at IS NULL`))[0];
  const batches = async () => (await db.query<{ n: number }>('SELECT coalesce(sum(batches), 0)::int AS n FROM pgphase.partitions'))[0]!.n;

  it('holds the run, lowers its workers and lets it finish with every row once', async () => {
    const hold = 'SELECT (SELECT hold FROM fixture.gate) AND (SELECT sum(batches) >= 3 FROM pgphase.partitions)';
    const run = startCli(
      [
        'run',
        '--json',
        '--workers',
        '3',
        '--batch-initial',
        '30',
        '--batch-min',
        '10',
        '--batch-max',
        '30',
        '--health-interval',
        '50',
        '--throttle-query',
        hold,
      ],
      env(),
    );
    await until(async () => (await batches()) >= 3, 'the run to start', 60_000);

    const paused = await runCli(['pause', '--reason', 'nightly backup'], env());
    expect(paused.code, paused.stderr).toBe(0);
    expect(paused.stdout).toMatch(/^run \d+ paused/);
    await until(async () => (await runner())?.state === 'paused', 'the runner to pause');
    await db.query('UPDATE fixture.gate SET hold = false'); // from now on only the pause holds it
    const tuned = await runCli(['tune', '--workers', '1'], env());
    expect(tuned.code, tuned.stderr).toBe(0);
    await until(async () => (await runner())?.workers === 1, 'two workers to leave');
    const held = await batches();
    const status = await runCli(['status'], env());
    expect(status.stdout).toMatch(/PAUSED \(live\)[^\n]*\n {4}paused by [^\n]*: nightly backup/);
    expect(await batches()).toBe(held); // no batch while paused

    const resumed = await runCli(['resume'], env());
    expect(resumed.code, resumed.stderr).toBe(0);
    const done = await run.done;
    expect(done.code, done.stderr).toBe(0);
    expect(await batches()).toBeGreaterThan(held);
    const report = JSON.parse(done.stdout) as { status: string; throttledSeconds: Record<string, number> };
    expect(report.status).toBe('done');
    expect(report.throttledSeconds.paused).toBeGreaterThan(0);
    expect(await copyDefects(db)).toEqual({ missing: 0, duplicated: 0, copied: ROWS });
  });

  it('refuses tune without a setting, and pause when no run is unfinished', async () => {
    const tune = await runCli(['tune'], env());
    expect(tune.code).toBe(2);
    expect(tune.stderr).toMatch(/^error: tune needs at least one of --workers/m);
    const pause = await runCli(['pause'], env());
    expect(pause.code).toBe(2);
    expect(pause.stderr).toMatch(/^error: there is no unfinished run$/m);
  });
});
