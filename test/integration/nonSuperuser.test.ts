/**
 * No superuser needed: a login that owns its database but is neither superuser nor CREATEROLE
 * (what managed services give an application) migrates and runs the whole pipeline through the
 * CLI. Migration 0008 then creates no role and changes no owner: it records the statements an
 * administrator should run, which `status` prints and `doctor` reports as a `warn`; once the
 * administrator runs them the database is set up as a superuser's migrate would have left it.
 * Also: databases that applied 0008 before this branch existed accept its new version.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { checkpoint } from '../../bench/reset.js';
import { migrate } from '../../runner/migrate/migrate.js';
import { runCli } from '../support/cli.js';
import { admin, createTestDatabase, type TestDatabase } from '../support/db.js';
import { databaseUrl } from '../support/globalSetup.js';

const PASSWORD = randomBytes(12).toString('hex');
const FIRST_0008_CHECKSUM = '6ea9e56048eecaf9a02cf0cf3cccf47598b1c9d08dd3d45a969ccf6bcd155cae';

describe('a database owner without SUPERUSER or CREATEROLE', () => {
  const login = `pgphase_t_owner_${randomBytes(4).toString('hex')}`;
  const database = `pgphase_t_owned_${randomBytes(4).toString('hex')}`;
  let url = '';
  beforeAll(async () => {
    await admin(async (c) => {
      await c.query(`CREATE ROLE ${login} LOGIN PASSWORD '${PASSWORD}' NOSUPERUSER NOCREATEROLE NOCREATEDB`);
      await c.query(`CREATE DATABASE ${database} OWNER ${login} TEMPLATE template0`);
    });
    const u = new URL(databaseUrl(inject('pgAdminUrl'), database));
    u.username = login;
    u.password = PASSWORD;
    url = u.toString();
  });
  afterAll(async () => {
    await admin(async (c) => {
      await c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await c.query(`DROP ROLE IF EXISTS ${login}`);
    });
  });

  it('runs migrate, generate, the pipeline, quarantine and status; doctor warns about the roles with the statements to run', async () => {
    const env = { DATABASE_URL: url };
    const m = await runCli(['migrate'], env);
    expect(m.code, m.stderr).toBe(0);
    const g = await runCli(['generate', '--rows', '3000', '--seed', '5'], env);
    expect(g.code, g.stderr).toBe(0);
    const r = await runCli(['run', '--json', '--workers', '2'], env);
    expect(r.code, r.stderr).toBe(0);
    const q = await runCli(['quarantine', 'list'], env);
    expect(q.code, q.stderr).toBe(0);
    const demo = await runCli(['demo', '--rows', '500'], env);
    expect(demo.code, demo.stderr).toBe(0);

    const s = await runCli(['status'], env);
    expect(s.code, s.stderr).toBe(0);
    expect(s.stdout).toMatch(/^roles: not set up .*an administrator should run/m);
    expect(s.stdout).toMatch(/^ {2}GRANT pgphase_migrator TO pgphase_t_owner_\w+;$/m);
    expect(s.stdout).toMatch(/^ {2}GRANT USAGE ON SCHEMA raw, staging, curated, pipeline TO pgphase_runner;$/m);

    const d = await runCli(['doctor', '--json'], env);
    expect(d.code, d.stderr).toBe(0);
    const report = JSON.parse(d.stdout) as { ok: boolean; checks: { name: string; level: string; statements?: string[] }[] };
    expect(report.ok).toBe(true);
    const roles = report.checks.find((c) => c.name === 'privileges.roles')!;
    expect(roles.level).toBe('warn');
    expect(roles.statements).toContain('DELETE FROM pipeline.security_pending;');
    expect(report.checks.filter((c) => c.level === 'fail')).toEqual([]);
  });

  it('bench goes on without CHECKPOINT under this login, and says so once', async () => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const said: string[] = [];
    try {
      expect(await checkpoint(client, (l) => said.push(l))).toBe(false);
      expect(await checkpoint(client, (l) => said.push(l))).toBe(false);
    } finally {
      await client.end();
    }
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(/^bench: going on without CHECKPOINT between modes \(.+\); grant pg_checkpoint to this login/);
  });

  it("nothing half-applied: no owner changed; the administrator's statements then set the roles up and empty the list", async () => {
    const statements = await (async () => {
      const other = new pg.Client({ connectionString: databaseUrl(inject('pgAdminUrl'), database) });
      await other.connect();
      try {
        const owners = await other.query<{ owner: string }>(
          `SELECT DISTINCT pg_get_userbyid(nspowner) AS owner FROM pg_namespace WHERE nspname IN ('raw', 'staging', 'curated', 'pipeline')`,
        );
        expect(owners.rows).toEqual([{ owner: login }]);
        const { rows } = await other.query<{ statement: string }>(`SELECT statement FROM pipeline.security_pending ORDER BY position`);
        for (const row of rows)
          await other.query(row.statement).catch((e: Error) => {
            throw new Error(`${e.message} in: ${row.statement}`);
          });
        const after = await other.query<{ owner: string }>(
          `SELECT DISTINCT pg_get_userbyid(nspowner) AS owner FROM pg_namespace WHERE nspname IN ('raw', 'staging', 'curated', 'pipeline')`,
        );
        expect(after.rows).toEqual([{ owner: 'pgphase_migrator' }]);
        return rows.length;
      } finally {
        await other.end();
      }
    })();
    expect(statements).toBeGreaterThan(10);
    const s = await runCli(['status'], { DATABASE_URL: url });
    expect(s.code, s.stderr).toBe(0);
    expect(s.stdout).not.toMatch(/^roles: not set up/m);
  });
});

describe('databases that applied the first version of 0008', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  it('accept the current file (pgphase:replaces-checksum) and record its checksum; any other edit is still refused', async () => {
    await db.query(`UPDATE pgphase.migration_checksums SET checksum = $1 WHERE name = '0008_roles'`, [FIRST_0008_CHECKSUM]);
    await migrate({ url: db.url, config: db.config() });
    const [row] = await db.query<{ checksum: string }>(`SELECT checksum FROM pgphase.migration_checksums WHERE name = '0008_roles'`);
    expect(row!.checksum).not.toBe(FIRST_0008_CHECKSUM);
    await db.query(`UPDATE pgphase.migration_checksums SET checksum = repeat('0', 64) WHERE name = '0008_roles'`);
    await expect(migrate({ url: db.url, config: db.config() })).rejects.toThrow(/changed after being applied: .*0008_roles\.sql/);
  });
});
