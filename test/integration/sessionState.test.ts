/**
 * pgphase chooses its own session state, whatever the server, the database or the role set
 * (runner/db/transaction.ts; the migration session in runner/migrate/migrate.ts; the framework's
 * 0060_isolate_jit_off.sql): a batch runs read committed, without JIT, under the runner's own
 * timeouts, on a database whose defaults are serializable, JIT on and short role-level timeouts;
 * a migration's transaction reads committed without JIT; pgphase.isolate and the curated build
 * carry `jit = off` for a DBA's hand CALL; a read-only default is refused before anything is
 * written. On a server with JIT (the distro lane, PGPHASE_TEST_PG=system15, with
 * pg_stat_statements loaded) no statement a phase runs is JIT-compiled, even with
 * jit_above_cost = 0, by the runner or by hand, while a plain query of the same session is.
 */
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../runner/migrate/migrate.js';
import { PHASES } from '../../runner/odds/phases.js';
import { generate } from '../../runner/odds/generate.js';
import { runPipeline } from '../../runner/run/runPipeline.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { copyDefects, fixturePhases, setUpFixture } from '../support/runnerFixture.js';
import { withSession } from '../support/session.js';

const SEEN_SQL = `
  CREATE TABLE fixture.seen (jit text, isolation text, statement_timeout text, lock_timeout text, idle text);
  CREATE PROCEDURE fixture.copy_seen (p_run_id bigint, p_lo bigint, p_hi bigint, INOUT rows_in bigint DEFAULT NULL,
    INOUT staged bigint DEFAULT NULL, INOUT quarantined bigint DEFAULT NULL, INOUT duplicates bigint DEFAULT NULL)
  LANGUAGE plpgsql AS $$
  BEGIN
    INSERT INTO fixture.seen VALUES (current_setting('jit'), current_setting('transaction_isolation'),
      current_setting('statement_timeout'), current_setting('lock_timeout'), current_setting('idle_in_transaction_session_timeout'));
    CALL fixture.copy_rows(p_run_id, p_lo, p_hi, rows_in, staged, quarantined, duplicates);
  END $$`;

/** A DBA's defaults for every new session of this login in `db`. */
async function hostileDefaults(db: TestDatabase): Promise<void> {
  await db.query(`ALTER DATABASE ${db.name} SET default_transaction_isolation = 'serializable'`);
  await db.query(`ALTER DATABASE ${db.name} SET jit = on`);
  for (const [name, value] of [
    ['statement_timeout', '4321ms'],
    ['lock_timeout', '321ms'],
    ['idle_in_transaction_session_timeout', '2345ms'],
  ])
    await db.query(`ALTER ROLE CURRENT_USER IN DATABASE ${db.name} SET ${name} = '${value}'`);
}

describe('pgphase chooses its own session state', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
    await setUpFixture(db, 3_000);
    await db.query(SEEN_SQL);
    await hostileDefaults(db);
  });
  afterAll(async () => {
    await db?.query(`ALTER ROLE CURRENT_USER IN DATABASE ${db.name} RESET ALL`).catch(() => {});
    await db?.drop();
  });

  it("every batch reads committed, without JIT, under the runner's timeouts, on a database that defaults to serializable and short role-level timeouts", async () => {
    const [copy] = fixturePhases();
    const phase = { ...copy!, steps: copy!.steps.map((s) => ({ ...s, procedure: 'fixture.copy_seen' })) };
    const report = await runPipeline({ url: db.url, phaseList: [phase], workers: 2, fresh: true, progress: 'none' });
    expect(report.status).toBe('done');
    expect(await copyDefects(db)).toMatchObject({ missing: 0, duplicated: 0 });
    const seen = await db.query(`SELECT DISTINCT jit, isolation, statement_timeout, lock_timeout, idle FROM fixture.seen`);
    expect(seen).toEqual([{ jit: 'off', isolation: 'read committed', statement_timeout: '5min', lock_timeout: '10s', idle: '1min' }]);
    // The session outside pgphase's transactions still has the DBA's defaults: nothing leaked.
    const own = await withSession(
      db.url,
      async (c) =>
        (
          await c.query<{ iso: string; st: string }>(
            `SELECT current_setting('default_transaction_isolation') AS iso, current_setting('statement_timeout') AS st`,
          )
        ).rows[0],
    );
    expect(own).toEqual({ iso: 'serializable', st: '4321ms' });
  });

  it('a step that asks for another isolation level gets it for its batches', async () => {
    await db.query('TRUNCATE fixture.seen, fixture.dst');
    const [copy] = fixturePhases();
    const phase = { ...copy!, steps: copy!.steps.map((s) => ({ ...s, procedure: 'fixture.copy_seen', isolation: 'repeatable read' as const })) };
    const report = await runPipeline({ url: db.url, phaseList: [phase], workers: 2, fresh: true, progress: 'none' });
    expect(report.status).toBe('done');
    expect(await copyDefects(db)).toMatchObject({ missing: 0, duplicated: 0 });
    expect(await db.query(`SELECT DISTINCT jit, isolation FROM fixture.seen`)).toEqual([{ jit: 'off', isolation: 'repeatable read' }]);
  });

  it('a migration reads committed without JIT, whatever the database defaults', async () => {
    const empty = await createTestDatabase({ empty: true });
    const dir = await mkdtemp(join(tmpdir(), 'pgphase-session-'));
    try {
      await hostileDefaults(empty);
      await mkdir(join(dir, 'migrations'));
      await mkdir(join(dir, 'procedures'));
      await writeFile(
        join(dir, 'migrations', '0001_seen.sql'),
        `CREATE TABLE public.seen AS SELECT current_setting('transaction_isolation') AS isolation, current_setting('jit') AS jit;\n`,
      );
      await migrate({ url: empty.url, config: empty.config({ migrationsDir: join(dir, 'migrations'), proceduresDir: join(dir, 'procedures') }) });
      expect(await empty.query('SELECT isolation, jit FROM public.seen')).toEqual([{ isolation: 'read committed', jit: 'off' }]);
    } finally {
      await empty.query(`ALTER ROLE CURRENT_USER IN DATABASE ${empty.name} RESET ALL`).catch(() => {});
      await empty.drop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('pgphase.isolate and the curated build carry jit = off, so that a hand CALL runs without JIT too', async () => {
    const rows = await db.query<{ name: string; config: string[] | null }>(
      `SELECT p.oid::regproc::text AS name, p.proconfig AS config FROM pg_proc p
        WHERE p.oid IN ('pgphase.isolate'::regproc, 'curated.build_features'::regproc) ORDER BY 1`,
    );
    expect(rows.map((r) => [r.name, r.config?.includes('jit=off')])).toEqual([
      ['curated.build_features', true],
      ['pgphase.isolate', true],
    ]);
  });

  it('a database whose transactions are read-only by default is refused before anything is written', async () => {
    const ro = await createTestDatabase();
    try {
      await setUpFixture(ro, 10);
      await ro.query(`ALTER DATABASE ${ro.name} SET default_transaction_read_only = on`);
      const refused = /default_transaction_read_only = on/;
      await expect(runPipeline({ url: ro.url, phaseList: fixturePhases(), workers: 1, fresh: true, progress: 'none' })).rejects.toThrow(refused);
      await expect(migrate({ url: ro.url, config: ro.config() })).rejects.toThrow(refused);
      const runs = await withSession(ro.url, async (c) => (await c.query<{ n: number }>('SELECT count(*)::int AS n FROM pgphase.runs')).rows[0]!.n);
      expect(runs).toBe(0);
    } finally {
      await withSession(ro.url, (c) => c.query(`BEGIN READ WRITE; ALTER DATABASE ${ro.name} RESET default_transaction_read_only; COMMIT`)).catch(() => {});
      await ro.drop().catch(() => {});
    }
  });
});

/** JIT available and on, and pg_stat_statements loaded with track = all (the distro lane's server). */
async function jitObservable(url: string): Promise<boolean> {
  return withSession(url, async (c) => {
    const { rows } = await c.query<{ jit: boolean; pss: boolean }>(
      `SELECT pg_jit_available() AND current_setting('jit')::bool AS jit,
              coalesce(current_setting('pg_stat_statements.track', true), '') = 'all' AS pss`,
    );
    return rows[0]!.jit && rows[0]!.pss;
  });
}

describe('no statement of a phase is JIT-compiled on a server with JIT', () => {
  let db: TestDatabase;
  let observable = false;
  beforeAll(async () => {
    db = await createTestDatabase();
    observable = await jitObservable(db.url);
    if (!observable) return;
    await db.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    await generate(db.url, { rows: 4_000, seed: 23, badRatio: 0.08 });
    // Every plan past the threshold: a statement is compiled unless pgphase turned JIT off.
    await db.query(`ALTER DATABASE ${db.name} SET jit_above_cost = 0`);
  });
  afterAll(async () => {
    await db?.drop();
  });

  /** JIT-compiled functions of this database's statements on raw/staging/curated tables since the reset. */
  const jitted = (c: pg.Client) =>
    c.query<{ query: string; fns: number }>(
      `SELECT s.query, s.jit_functions::int AS fns FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
        WHERE d.datname = current_database() AND s.jit_functions > 0 AND s.query ~ '(raw|staging|curated)\\.' ORDER BY s.query`,
    );

  it('a whole run of both phases (the batches, the curated build and its checks) compiles nothing', async (ctx) => {
    if (!observable) ctx.skip('this server has no JIT, or pg_stat_statements is not loaded with track = all (the distro lane has both)');
    await withSession(db.url, (c) => c.query('SELECT pg_stat_statements_reset()'));
    const report = await runPipeline({ url: db.url, phaseList: PHASES, workers: 2, fresh: true, progress: 'none' });
    expect(report.status).toBe('done');
    await withSession(db.url, async (c) => {
      expect((await jitted(c)).rows).toEqual([]);
      // The probe sees JIT when it happens: the same kind of statement outside pgphase is compiled.
      await c.query('SELECT count(*) FROM raw.moneylines WHERE home_odds IS NOT NULL');
      expect((await jitted(c)).rows.length).toBeGreaterThan(0);
    });
  });

  it("a DBA's hand CALL of a step procedure compiles nothing, though the session has JIT on", async (ctx) => {
    if (!observable) ctx.skip('this server has no JIT, or pg_stat_statements is not loaded with track = all (the distro lane has both)');
    await withSession(db.url, async (c) => {
      await c.query('SELECT pg_stat_statements_reset()');
      await c.query('BEGIN');
      await c.query('CALL staging.load_moneylines(0, 1, 2000, NULL, NULL, NULL, NULL)');
      await c.query('ROLLBACK');
      expect((await jitted(c)).rows).toEqual([]);
    });
  });
});
