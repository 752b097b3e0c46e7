/**
 * Least privilege (migrations/0008_roles.sql): a LOGIN role that is only a member of
 * pgphase_runner runs the pipeline — the fixture phase, then the real staging and curated phases
 * on generated rows (curated in place: a blue-green build needs the owner's rights, and the runner
 * is refused one before anything is written), and the quarantine commands — and cannot do anything else: no DROP, ALTER,
 * TRUNCATE or CREATE, no writes to raw, no ledger deletes, no reads of schema pgphase or of
 * public, no SET ROLE to the owner. The role names can be changed with the settings
 * pgphase.migrator_role / pgphase.runner_role, and the down migration drops the roles it
 * created once nothing uses them and gives every object back to its previous owner.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../runner/config.js';
import { down, migrate } from '../../runner/migrate/migrate.js';
import { runCli } from '../support/cli.js';
import { admin, createTestDatabase, type TestDatabase } from '../support/db.js';
import { copyDefects, FIXTURE_PHASES_FILE, setUpFixture } from '../support/runnerFixture.js';

const PASSWORD = randomBytes(12).toString('hex');

function urlAs(base: string, user: string): string {
  const url = new URL(base);
  url.username = encodeURIComponent(user);
  url.password = PASSWORD;
  return url.toString();
}

async function sqlstateOf(url: string, sql: string): Promise<string | null> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
    return null;
  } catch (error) {
    return (error as { code?: string }).code ?? 'no code';
  } finally {
    await client.end();
  }
}

describe('a member of pgphase_runner', () => {
  let db: TestDatabase;
  let url: string;
  let runner: string;
  let owner: string;
  const login = `pgphase_t_run_${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    db = await createTestDatabase();
    const roles = await db.query<{ purpose: string; role_name: string }>(`SELECT purpose, role_name FROM pipeline.security_roles`);
    runner = roles.find((r) => r.purpose === 'runner')!.role_name;
    owner = roles.find((r) => r.purpose === 'migrator')!.role_name;
    await admin((c) => c.query(`CREATE ROLE ${login} LOGIN PASSWORD '${PASSWORD}' IN ROLE ${c.escapeIdentifier(runner)}`));
    url = urlAs(db.url, login);
    // A project's own phase grants what its procedure touches, as it would in its migration.
    await setUpFixture(db, 3_000);
    await db.query(`GRANT USAGE ON SCHEMA fixture TO ${runner}; GRANT SELECT ON fixture.src TO ${runner}; GRANT INSERT ON fixture.dst TO ${runner}`);
    await db.query(`CREATE TABLE public.secret (v text); INSERT INTO public.secret VALUES ('not for the runner')`);
    await db.query(`CALL pipeline.generate_sample(2000, 11, 0.1)`);
  });
  afterAll(async () => {
    await db.drop();
    await admin((c) => c.query(`DROP ROLE IF EXISTS ${login}`));
  });

  it('is a NOLOGIN role without attributes, and the schemas belong to the NOLOGIN migrator role', async () => {
    const roles = await db.query(
      `SELECT s.purpose, r.rolcanlogin, r.rolsuper, r.rolcreaterole, r.rolcreatedb, r.rolbypassrls
         FROM pipeline.security_roles s JOIN pg_roles r ON r.rolname = s.role_name ORDER BY 1`,
    );
    const none = { rolcanlogin: false, rolsuper: false, rolcreaterole: false, rolcreatedb: false, rolbypassrls: false };
    expect(roles).toEqual([
      { purpose: 'migrator', ...none },
      { purpose: 'runner', ...none },
    ]);
    const owners = await db.query<{ owner: string; n: number }>(
      `SELECT pg_get_userbyid(c.relowner) AS owner, count(*)::int AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname IN ('raw', 'staging', 'curated', 'pipeline') GROUP BY 1`,
    );
    const [{ role_name: migrator }] = (await db.query<{ role_name: string }>(`SELECT role_name FROM pipeline.security_roles WHERE purpose = 'migrator'`)) as [
      { role_name: string },
    ];
    expect(owners.map((o) => o.owner)).toEqual([migrator]);
  });

  it('runs the fixture phase, then staging and curated on generated rows, and the quarantine commands', async () => {
    const fixture = await runCli(['run', '--json', '--workers', '2'], { DATABASE_URL: url, PGPHASE_PHASES: FIXTURE_PHASES_FILE });
    expect(fixture.code, fixture.stderr).toBe(0);
    expect(await copyDefects(db)).toEqual({ missing: 0, duplicated: 0, copied: 3_000 });

    // A blue-green build creates a shadow schema and swaps tables: the runner may not, and is told so
    // before anything is written. In place, it may.
    const blueGreen = await runCli(['run', '--json', '--workers', '2'], { DATABASE_URL: url });
    expect(blueGreen.code).toBe(2);
    expect(blueGreen.stderr).toMatch(
      /^error: a blue-green build of phase curated needs CREATE on the database \(for the shadow schema\) and ownership of curated\.market_snapshots \(owned by \S+\), .* which the current role lacks$/m,
    );
    expect(blueGreen.stderr).toMatch(/^hint: Run blue-green builds, promote, rollback and prune as the tables' owner .*--in-place/m);
    expect(await db.query(`SELECT count(*)::int AS n FROM pgphase.runs WHERE phases @> '{curated}'`)).toEqual([{ n: 0 }]);
    const run = await runCli(['run', '--json', '--workers', '2', '--in-place'], { DATABASE_URL: url });
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as { status: string; phases: { phase: string; rowsIn: number; written: number; rejected: number }[] };
    expect(report.status).toBe('done');
    const [raw] = await db.query<{ n: number }>(
      `SELECT ((SELECT count(*) FROM raw.games) + (SELECT count(*) FROM raw.moneylines) + (SELECT count(*) FROM raw.spreads) + (SELECT count(*) FROM raw.totals))::int AS n`,
    );
    const staging = report.phases.find((p) => p.phase === 'staging')!;
    expect(staging.rowsIn).toBe(raw!.n);
    expect(staging.written + staging.rejected).toBe(raw!.n);
    expect(staging.rejected).toBeGreaterThan(0);
    const [features] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM curated.game_features`);
    expect(features!.n).toBeGreaterThan(0);
    expect(report.phases.find((p) => p.phase === 'curated')!.written).toBe(features!.n);

    // Its batches were sampled in the ledger, and it can draw the run's report.
    const [samples] = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pgphase.batch_samples b JOIN pgphase.runs r ON r.id = b.run_id WHERE r.id = (SELECT max(id) FROM pgphase.runs)`,
    );
    expect(samples!.n).toBeGreaterThan(0);
    const html = await runCli(['report', '--html', '/dev/null'], { DATABASE_URL: url });
    expect(html.code, html.stderr).toBe(0);

    const list = await runCli(['quarantine', 'list', '--json'], { DATABASE_URL: url });
    expect(list.code, list.stderr).toBe(0);
    expect((JSON.parse(list.stdout) as { total: number }).total).toBe(staging.rejected);
    const replay = await runCli(['quarantine', 'replay', '--json'], { DATABASE_URL: url });
    expect(replay.code, replay.stderr).toBe(0);
    expect(JSON.parse(replay.stdout)).toMatchObject({ replayed: staging.rejected, stillQuarantined: staging.rejected });
  });

  it('cannot drop, alter, truncate, create, write raw, delete the ledger, read pgphase or public, or become the owner', async () => {
    const denied = [
      'DROP TABLE raw.games',
      'DROP TABLE pgphase.quarantine',
      'DROP SCHEMA raw CASCADE',
      'ALTER TABLE staging.games ADD COLUMN note text',
      'ALTER TABLE raw.totals RENAME TO totals_old',
      'TRUNCATE raw.games',
      'TRUNCATE staging.games CASCADE',
      'TRUNCATE pgphase.runs CASCADE',
      `INSERT INTO raw.games (external_game_id) VALUES ('x')`,
      `UPDATE raw.moneylines SET home_odds = '-110'`,
      'DELETE FROM raw.spreads',
      'DELETE FROM pgphase.runs',
      'DELETE FROM pgphase.partitions',
      `UPDATE curated.settings SET steam_min_books = 1`,
      'SELECT * FROM pgphase.migration_checksums',
      'SELECT * FROM pgphase.migrations',
      'SELECT * FROM pgphase.framework_schema',
      'SELECT * FROM pgphase.runner_roles',
      `SELECT pgphase.grant_runner('postgres')`,
      'TRUNCATE pgphase.quarantine',
      'SELECT * FROM public.secret',
      'SELECT * FROM raw.generator_steam_truth',
      'SELECT * FROM pipeline.security_owners',
      'CREATE TABLE staging.evil (id int)',
      'CREATE TABLE public.evil (id int)',
      'CREATE SCHEMA evil',
      `CREATE FUNCTION staging.evil() RETURNS int LANGUAGE sql AS 'SELECT 1'`,
      'ALTER PROCEDURE staging.load_games(bigint, bigint, bigint, bigint, bigint, bigint, jsonb) SECURITY DEFINER',
      'CALL pipeline.generate_sample(10, 1, 0)',
      `SET ROLE ${owner}`,
    ];
    const states = await Promise.all(denied.map((sql) => sqlstateOf(url, sql)));
    expect(Object.fromEntries(denied.map((sql, i) => [sql, states[i]]))).toEqual(Object.fromEntries(denied.map((sql) => [sql, '42501'])));
    // What it may do, it can: read raw, write the ledger.
    expect(await sqlstateOf(url, 'SELECT count(*) FROM raw.games')).toBeNull();
    expect(await sqlstateOf(url, `UPDATE pgphase.runs SET status = status`)).toBeNull();
    expect(await sqlstateOf(url, 'SELECT count(*) FROM pgphase.batch_samples')).toBeNull();
    expect(await sqlstateOf(url, 'DELETE FROM pgphase.batch_samples')).toBe('42501');
    // It may read and write pgphase's run controls (pause, tune, heartbeats) and its report
    // series (pgphase.grant_runner, framework file 0050)...
    expect(await sqlstateOf(url, 'SELECT * FROM pgphase.run_control')).toBeNull();
    // ...but not pgphase's migration bookkeeping: `status` says which role it needs.
    const status = await runCli(['status'], { DATABASE_URL: url });
    expect(status.code).toBe(2);
    expect(status.stderr).toMatch(/^error: permission denied for table (migrations|migration_checksums|framework_schema)/m);
    expect(status.stderr).toMatch(/^hint: .*pgphase_migrator/m);
  });
});

describe('a runner role without the report series grants', () => {
  let db: TestDatabase;
  const login = `pgphase_t_nos_${randomBytes(4).toString('hex')}`;
  beforeAll(async () => {
    db = await createTestDatabase();
    const [{ role_name: runner }] = (await db.query<{ role_name: string }>(`SELECT role_name FROM pipeline.security_roles WHERE purpose = 'runner'`)) as [
      { role_name: string },
    ];
    await admin((c) => c.query(`CREATE ROLE ${login} LOGIN PASSWORD '${PASSWORD}' IN ROLE ${c.escapeIdentifier(runner)}`));
    await setUpFixture(db, 2_000);
    await db.query(`GRANT USAGE ON SCHEMA fixture TO ${runner}; GRANT SELECT ON fixture.src TO ${runner}; GRANT INSERT ON fixture.dst TO ${runner}`);
    await db.query(`REVOKE INSERT ON pgphase.batch_samples FROM ${runner}`);
  });
  afterAll(async () => {
    await db.drop();
    await admin((c) => c.query(`DROP ROLE IF EXISTS ${login}`));
  });

  it('runs without samples and says so, instead of failing every batch', async () => {
    const run = await runCli(['run', '--json', '--workers', '2'], { DATABASE_URL: urlAs(db.url, login), PGPHASE_PHASES: FIXTURE_PHASES_FILE });
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ status: 'done', failedPartitions: [] });
    expect(await copyDefects(db)).toEqual({ missing: 0, duplicated: 0, copied: 2_000 });
    expect(run.stderr).toMatch(/cannot write pgphase\.batch_samples/);
    expect(await db.query(`SELECT count(*)::int AS n FROM pgphase.batch_samples`)).toEqual([{ n: 0 }]);
  });
});

describe('migration 0008 with other role names', () => {
  let db: TestDatabase;
  const tag = randomBytes(4).toString('hex');
  // Names that need quoting: they reach SQL only through format('%I').
  const migrator = `pgphase_t_owner "${tag}"`;
  const runner = `pgphase_t_runner ${tag}; DROP ROLE x`;
  beforeAll(async () => {
    db = await createTestDatabase({ empty: true });
  });
  afterAll(async () => {
    await db.drop();
    await admin(async (c) => {
      for (const r of [migrator, runner]) await c.query(`DROP ROLE IF EXISTS ${c.escapeIdentifier(r)}`);
    });
  });

  it('creates the roles named by pgphase.migrator_role / pgphase.runner_role, and down drops them and restores the owners', async () => {
    await admin(async (c) => {
      await c.query(`ALTER DATABASE ${db.name} SET pgphase.migrator_role = ${c.escapeLiteral(migrator)}`);
      await c.query(`ALTER DATABASE ${db.name} SET pgphase.runner_role = ${c.escapeLiteral(runner)}`);
    });
    const config = parseConfig({ databaseUrl: db.url });
    await migrate({ url: db.url, config });
    expect(await db.query(`SELECT purpose, role_name, created_here FROM pipeline.security_roles ORDER BY 1`)).toEqual([
      { purpose: 'migrator', role_name: migrator, created_here: true },
      { purpose: 'runner', role_name: runner, created_here: true },
    ]);
    const [privileges] = await db.query(
      `SELECT has_table_privilege($1, 'pgphase.runs', 'INSERT') AS ledger, has_table_privilege($1, 'raw.games', 'SELECT') AS read_raw,
              has_table_privilege($1, 'raw.games', 'INSERT') AS write_raw, has_table_privilege($1, 'staging.games', 'TRUNCATE') AS truncate,
              pg_get_userbyid((SELECT nspowner FROM pg_namespace WHERE nspname = 'staging')) AS owner`,
      [runner],
    );
    expect(privileges).toEqual({ ledger: true, read_raw: true, write_raw: false, truncate: false, owner: migrator });

    const { reverted } = await down({ url: db.url, config, count: 2 });
    expect(reverted).toEqual(['0010_framework_state', '0008_roles']);
    expect(await db.query(`SELECT role_name FROM pgphase.runner_roles`)).toEqual([]);
    const [me] = await db.query<{ me: string }>(`SELECT current_user AS me`);
    const left = await db.query(
      `SELECT DISTINCT pg_get_userbyid(c.relowner) AS owner FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname IN ('raw', 'staging', 'curated', 'pipeline')
       UNION SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname IN ('raw', 'staging', 'curated', 'pipeline')
       UNION SELECT DISTINCT pg_get_userbyid(p.proowner) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname IN ('raw', 'staging', 'curated', 'pipeline')`,
    );
    expect(left).toEqual([{ owner: me!.me }]);
    expect(await db.query(`SELECT rolname FROM pg_roles WHERE rolname IN ($1, $2)`, [migrator, runner])).toEqual([]);
    expect(await db.query(`SELECT to_regclass('pipeline.security_roles') AS t`)).toEqual([{ t: null }]);

    // And up again: the same names, created again.
    await migrate({ url: db.url, config });
    expect(await db.query(`SELECT count(*)::int AS n FROM pg_roles WHERE rolname IN ($1, $2)`, [migrator, runner])).toEqual([{ n: 2 }]);
  });
});
