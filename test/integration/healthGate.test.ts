/**
 * The health gate against real signals: a transaction left open in another session (xmin
 * horizon), a session waiting on a lock the runner holds (also while no worker is between
 * batches), and a --throttle-query. Each holds the run (observed in the ledger:
 * pgphase.run_runners says why), releases it when the cause goes, and the report's throttled
 * seconds name the reason; every row is still copied exactly once.
 */
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runPipeline, type RunOptions } from '../../runner/run/runPipeline.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { until } from '../support/poll.js';
import { copyDefects, fixturePhases, setUpFixture } from '../support/runnerFixture.js';

const ROWS = 2_000;

describe('health gate', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
    await setUpFixture(db, ROWS);
    await db.query('CREATE TABLE fixture.gate (hold boolean NOT NULL); INSERT INTO fixture.gate VALUES (true)');
  });
  afterAll(() => db.drop());
  beforeEach(async () => {
    await db.query('TRUNCATE fixture.dst');
    await db.query(`ALTER DATABASE ${db.name} RESET fixture.sleep_ms`);
  });

  const start = (health: RunOptions['health'], workers = 2, log?: RunOptions['log']) =>
    runPipeline({
      url: db.url,
      phaseList: fixturePhases(),
      workers,
      fresh: true,
      batch: { initial: 2_000, min: 50, max: 5_000, targetMs: 5_000 },
      health: { intervalMs: 50, ...health },
      ...(log ? { log } : {}),
    });
  const runnerState = async () => {
    const rows = await db.query<{ state: string; reason: string | null }>(`SELECT state, reason FROM pgphase.run_runners ORDER BY started_at DESC LIMIT 1`);
    return rows[0];
  };
  const copied = async () => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM fixture.dst'))[0]!.n;

  it('a --throttle-query that returns true holds every batch until it returns false', async () => {
    await db.query('UPDATE fixture.gate SET hold = true');
    const run = start({ throttleQuery: 'SELECT hold FROM fixture.gate' });
    const state = await until(async () => ((await runnerState())?.state === 'throttled' ? runnerState() : null), 'the runner to throttle');
    expect(state.reason).toBe('throttle query returned true');
    expect(await copied()).toBe(0);
    // Workers without a partition wait for the gate too: while it throttles, none claims, plans
    // or splits (each a commit, and a standby's replay lag is what the gate may be waiting on).
    await new Promise((r) => setTimeout(r, 1_000));
    const partitions = await db.query<{ status: string; n: number }>(
      `SELECT status, count(*)::int AS n FROM pgphase.partitions WHERE run_id = (SELECT max(id) FROM pgphase.runs) GROUP BY status`,
    );
    expect(partitions).toEqual([{ status: 'pending', n: 8 }]);
    await db.query('UPDATE fixture.gate SET hold = false');
    const report = await run;
    expect(report.status).toBe('done');
    expect(report.throttledSeconds!['throttle query']).toBeGreaterThan(0);
    // The gate's own cost (what the bench reports) leaves the throttled time out.
    expect(report.gate!.probes).toBeGreaterThan(1);
    expect(report.gate!.healthyWaitMs).toBeLessThan(report.throttledSeconds!['throttle query']! * 1000);
    expect(await copyDefects(db)).toEqual({ missing: 0, duplicated: 0, copied: ROWS });
  });

  it('a transaction left open in another session trips the xmin-horizon gate until it ends', async () => {
    const other = new pg.Client({ connectionString: db.url, application_name: 'long report' });
    await other.connect();
    try {
      await other.query('BEGIN');
      await other.query('SELECT txid_current()');
      const run = start({ thresholds: { maxXactAgeMs: 1 } as never });
      const state = await until(async () => ((await runnerState())?.state === 'throttled' ? runnerState() : null), 'the runner to throttle');
      expect(state.reason).toMatch(/^xmin horizon: transaction of pid \d+ open [\d.]+ s > 0 s$/);
      expect(await copied()).toBe(0);
      await other.query('COMMIT');
      const report = await run;
      expect(report.status).toBe('done');
      expect(report.throttledSeconds!['xmin horizon']).toBeGreaterThan(0);
      expect(await copyDefects(db)).toEqual({ missing: 0, duplicated: 0, copied: ROWS });
    } finally {
      await other.end();
    }
  });

  // With 2 workers the other one backs off instead of starting another batch; with 1 no worker is
  // between batches, and the gate's own timer has to notice.
  it.each([2, 1])('backs off while a session waits on a lock the runner holds (%i worker(s))', async (workers) => {
    await db.query(`ALTER DATABASE ${db.name} SET fixture.sleep_ms = ${workers === 1 ? 50 : 300}`);
    await db.query(`ALTER DATABASE ${db.name} SET fixture.wait_key = ${ROWS / 2}`);
    const holder = new pg.Client({ connectionString: db.url, application_name: 'test holder' });
    const dba = new pg.Client({ connectionString: db.url, application_name: 'dba' });
    await Promise.all([holder.connect(), dba.connect()]);
    let run: ReturnType<typeof start> | undefined;
    let passed = false;
    try {
      // Worker A is kept inside the batch that holds key ROWS / 2 (holding ACCESS SHARE on
      // fixture.src): the fixture's procedure waits there on an advisory lock of ours.
      await holder.query('SELECT pg_advisory_lock(7370)');
      run = start({}, workers);
      await until(
        async () =>
          (
            await db.query(
              `SELECT 1 FROM pg_stat_activity WHERE application_name LIKE 'pgphase run %' AND wait_event_type = 'Lock' AND wait_event = 'advisory'`,
            )
          ).length > 0,
        'worker A to wait',
      );
      // A DBA's session asks for a conflicting lock and queues behind worker A...
      await dba.query('BEGIN');
      const locked = dba.query('LOCK TABLE fixture.src IN ACCESS EXCLUSIVE MODE');
      // ...and worker B backs off instead of starting another batch.
      const state = await until(async () => ((await runnerState())?.reason?.startsWith('lock waits') ? runnerState() : null), 'the runner to back off');
      expect(state).toEqual({ state: 'throttled', reason: 'lock waits: 1 session(s) wait on a lock the runner holds' });
      await holder.query('SELECT pg_advisory_unlock(7370)');
      await locked;
      await dba.query('COMMIT');
      passed = true;
    } finally {
      await Promise.all([holder.end(), dba.end()]);
      await db.query(`ALTER DATABASE ${db.name} RESET fixture.wait_key`);
      // A failed wait must not leave the run going into the next test (which starts afresh).
      if (!passed) await run?.catch(() => {});
    }
    const report = await run!;
    expect(report.status).toBe('done');
    expect(report.throttledSeconds!['lock waits']).toBeGreaterThan(0);
    expect(await copyDefects(db)).toEqual({ missing: 0, duplicated: 0, copied: ROWS });
  });

  it('costs one cheap probe when healthy: a run with default thresholds is never throttled', async () => {
    const report = await start({});
    expect(report.status).toBe('done');
    expect(report.throttledSeconds).toEqual({});
    const [beat] = await db.query<{ state: string; ended_how: string }>(`SELECT state, ended_how FROM pgphase.run_runners WHERE run_id = $1`, [report.runId]);
    expect(beat).toEqual({ state: 'ended', ended_how: 'finished' });
  });
});
