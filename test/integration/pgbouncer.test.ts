/**
 * pgphase behind a real PgBouncer in transaction mode (test/support/pgbouncer.ts), which hands a
 * server session to another client between transactions and keeps it after the client is gone,
 * and refuses startup parameters it does not track. Through the pooler: `migrate` refuses (it needs
 * a server session of its own) and leaves no setting on the pooler's sessions; `run` with two
 * workers, Ctrl-C, `status` (interrupted, not live), and the resumed run copying every row exactly
 * once; after each exit, no pgphase lock on the server and no lease in the ledger, though the
 * pooler's server sessions stay open; and the runner's own statement_timeout in force (set per
 * transaction): a batch that overruns it is cancelled. `doctor` tells the pooler is there. In
 * session mode, a whole run with the same checks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPipeline } from '../../runner/run/runPipeline.js';
import { runCli, startCli } from '../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { type Bouncer, PGBOUNCER, startPgBouncer } from '../support/pgbouncer.js';
import { copyDefects, FIXTURE_PHASES_FILE, fixturePhases, setUpFixture } from '../support/runnerFixture.js';
import { withSession } from '../support/session.js';

const ROWS = 6_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What pgphase left behind on the server and in the ledger after its processes exited. */
async function leftovers(db: TestDatabase) {
  const [row] = await db.query<{ locks: number; leases: number; presences: number; sessions: number }>(
    `SELECT (SELECT count(*)::int FROM pg_locks l WHERE l.locktype = 'advisory' AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())) AS locks,
            (SELECT count(*)::int FROM pgphase.partitions WHERE lease_owner IS NOT NULL OR lease_expires_at IS NOT NULL) AS leases,
            (SELECT count(*)::int FROM pgphase.run_runners WHERE ended_at IS NULL OR lease_expires_at IS NOT NULL) AS presences,
            (SELECT count(*)::int FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()) AS sessions`,
  );
  return row!;
}

describe.skipIf(!PGBOUNCER)('behind PgBouncer in transaction mode', () => {
  let db: TestDatabase;
  let bouncer: Bouncer;
  beforeAll(async () => {
    db = await createTestDatabase();
    await setUpFixture(db, ROWS);
    await db.query(`ALTER DATABASE ${db.name} SET fixture.sleep_ms = 20`);
    bouncer = await startPgBouncer(db.url, 'transaction');
  });
  afterAll(async () => {
    await bouncer?.stop();
    await db?.drop();
  });

  it('migrates, runs with two workers, stops on Ctrl-C and resumes: every row once, nothing of pgphase left behind', async () => {
    const env = { DATABASE_URL: bouncer.url, PGPHASE_PHASES: FIXTURE_PHASES_FILE };
    // migrate needs a server session of its own: through the transaction pool it refuses before it
    // sets or locks anything, so no server session the pooler hands out carries its settings.
    const refused = await runCli(['migrate'], env);
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stderr).toMatch(/transaction-mode pooler.*pgphase migrate needs one server session/);
    expect(refused.stderr).toMatch(/pool_mode = session/);
    const settings = `SELECT current_setting('statement_timeout') AS st, current_setting('lock_timeout') AS lt,
                              current_setting('jit') AS jit, current_setting('pgphase.migrator_role', true) AS role`;
    const pooled = await withSession(bouncer.url, (c) => c.query(settings));
    const direct = await withSession(db.url, (c) => c.query(settings));
    expect(pooled.rows).toEqual(direct.rows);
    const migrated = await runCli(['migrate'], { ...env, DATABASE_URL: db.url });
    expect(migrated.code, migrated.stderr).toBe(0);

    const args = ['run', '--workers', '2', '--json', '--batch-initial', '100', '--batch-min', '50', '--batch-max', '100', '--target-ms', '100'];
    const first = startCli(args, env);
    for (let i = 0; i < 400; i++) {
      const [r] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM fixture.dst`);
      if (r!.n >= ROWS / 5) break;
      await sleep(50);
    }
    first.child.kill('SIGINT');
    const stopped = await first.done;
    expect(stopped.code, stopped.stderr).toBe(130);
    expect(stopped.stderr).not.toMatch(/reclaimed partition|was taken over|probe failed|prepared statement/);
    const after = await leftovers(db);
    expect(after).toMatchObject({ locks: 0, leases: 0, presences: 0 });
    expect(after.sessions).toBeGreaterThan(0); // the pooler keeps its server sessions: they hold nothing of ours

    const status = await runCli(['status'], env);
    expect(status.code, status.stderr).toBe(1); // action needed: resume it
    expect(status.stdout).toMatch(/run \d+ \[copy\] INTERRUPTED/);

    const resumed = await runCli(args, env);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ resumed: true, status: 'done' });
    expect(resumed.stderr).not.toMatch(/reclaimed partition|was taken over|probe failed|prepared statement/);
    expect(await copyDefects(db)).toEqual({ missing: 0, duplicated: 0, copied: ROWS });
    expect(await leftovers(db)).toMatchObject({ locks: 0, leases: 0, presences: 0 });
    const done = await runCli(['status'], env);
    expect(done.stdout).toMatch(/run \d+ \[copy\] DONE/);
  });

  it('doctor names the pooler and what pgphase does about it; directly on the server it finds none', async () => {
    type Doctor = { checks: { name: string; level: string; message: string; fix: string }[] };
    const through = await runCli(['doctor', '--json'], { DATABASE_URL: bouncer.url });
    const pooled = (JSON.parse(through.stdout) as Doctor).checks.find((c) => c.name === 'pooler');
    expect(pooled).toMatchObject({
      level: 'warn',
      message: expect.stringMatching(/transaction-mode pooler.*lease/),
      fix: expect.stringMatching(/pool_mode = session/),
    });
    const direct = await runCli(['doctor', '--json'], { DATABASE_URL: db.url });
    expect((JSON.parse(direct.stdout) as Doctor).checks.find((c) => c.name === 'pooler')).toMatchObject({ level: 'ok' });
  });

  it("cancels a batch that overruns the runner's statement_timeout", async () => {
    // Fresh server sessions behind the pooler see the slower batches.
    await db.query(`ALTER DATABASE ${db.name} SET fixture.sleep_ms = 1000`);
    const slow = await startPgBouncer(db.url, 'transaction');
    try {
      const report = await runPipeline({
        url: slow.url,
        phaseList: fixturePhases(),
        workers: 1,
        fresh: true,
        statementTimeoutMs: 300,
        split: false,
        batch: { initial: 50, min: 50, max: 50, targetMs: 100 },
        retry: { maxAttempts: 2, baseMs: 10, capMs: 20 },
        health: { enabled: false },
      });
      expect(report.status).toBe('failed');
      const states = await db.query<{ last_sqlstate: string }>(
        `SELECT DISTINCT last_sqlstate FROM pgphase.partitions WHERE run_id = $1 AND status = 'failed'`,
        [report.runId],
      );
      expect(states).toEqual([{ last_sqlstate: '57014' }]); // query_canceled: the statement timeout
    } finally {
      await slow.stop();
    }
  });
});

describe.skipIf(!PGBOUNCER)('behind PgBouncer in session mode', () => {
  let db: TestDatabase;
  let bouncer: Bouncer;
  beforeAll(async () => {
    db = await createTestDatabase();
    await setUpFixture(db, ROWS);
    bouncer = await startPgBouncer(db.url, 'session');
  });
  afterAll(async () => {
    await bouncer?.stop();
    await db?.drop();
  });

  it('migrates and runs with two workers: every row once, nothing of pgphase left behind', async () => {
    const env = { DATABASE_URL: bouncer.url, PGPHASE_PHASES: FIXTURE_PHASES_FILE };
    const migrated = await runCli(['migrate'], env);
    expect(migrated.code, migrated.stderr).toBe(0);
    const run = await runCli(['run', '--workers', '2', '--json'], env);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ status: 'done' });
    expect(await copyDefects(db)).toEqual({ missing: 0, duplicated: 0, copied: ROWS });
    expect(await leftovers(db)).toMatchObject({ locks: 0, leases: 0, presences: 0 });
  });
});
