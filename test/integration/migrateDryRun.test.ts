/**
 * `migrate --check`, `--dry-run`, `--to` and `down --to` through the real CLI on an empty
 * database, with a project of its own (a temp folder of migrations and a procedure).
 */
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

const TABLE = `-- Up Migration
CREATE SCHEMA app;
CREATE TABLE app.customers (id bigint PRIMARY KEY, email text);
-- Down Migration
DROP SCHEMA app CASCADE;
`;
const PLAIN_INDEX = `-- Up Migration
CREATE INDEX customers_email ON app.customers (email);
-- Down Migration
DROP INDEX app.customers_email;
`;
const CONCURRENT_INDEX = `-- no-transaction
-- Up Migration
CREATE INDEX CONCURRENTLY customers_email ON app.customers (email);
-- Down Migration
DROP INDEX CONCURRENTLY app.customers_email;
`;
const PROCEDURE = `CREATE OR REPLACE FUNCTION app.answer () RETURNS int LANGUAGE sql AS $$ SELECT 42 $$;\n`;

/** A digest of every relation and function outside the system schemas, and the schemas themselves. */
const CATALOG = `SELECT md5(coalesce((SELECT string_agg(n.nspname || '.' || c.relname || ':' || c.relkind::text, ',' ORDER BY 1)
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')), '')
  || coalesce((SELECT string_agg(n.nspname || '.' || p.proname || ':' || md5(p.prosrc), ',' ORDER BY 1)
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
   WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')), '')
  || coalesce((SELECT string_agg(nspname, ',' ORDER BY 1) FROM pg_namespace), '')) AS digest`;

function project(second: string): { dir: string; env: Record<string, string> } {
  const dir = mkdtempSync(join(tmpdir(), 'pgphase-dry-'));
  mkdirSync(join(dir, 'migrations'));
  mkdirSync(join(dir, 'procedures'));
  writeFileSync(join(dir, 'migrations', '0001_customers.sql'), TABLE);
  writeFileSync(join(dir, 'migrations', '0002_email_index.sql'), second);
  writeFileSync(join(dir, 'procedures', 'app_answer.sql'), PROCEDURE);
  return { dir, env: { PGPHASE_MIGRATIONS_DIR: join(dir, 'migrations'), PGPHASE_PROCEDURES_DIR: join(dir, 'procedures') } };
}

describe('migrate --check / --dry-run / --to', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ empty: true });
  });
  afterAll(() => db.drop());

  it('--check exits 1 on a CREATE INDEX without CONCURRENTLY and applies nothing; 0 when it is concurrent', async () => {
    const bad = project(PLAIN_INDEX);
    const before = (await db.query<{ digest: string }>(CATALOG))[0]!.digest;
    const r = await runCli(['migrate', '--check'], { DATABASE_URL: db.url, ...bad.env });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/0002_email_index\.sql:2:1: require-concurrent-index-creation/);
    expect((await db.query<{ digest: string }>(CATALOG))[0]!.digest).toBe(before);
    const good = project(CONCURRENT_INDEX);
    const ok = await runCli(['migrate', '--check'], { DATABASE_URL: db.url, ...good.env });
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
  });

  it('--dry-run and --check name a syntax error by file:line:column, with the line, a caret and a hint', async () => {
    const broken = project('-- Up Migration\nCREATE INDEX customers_email\n  ON app.customers (email,);\n-- Down Migration\nSELECT 1;\n');
    for (const flag of ['--dry-run', '--check']) {
      const r = await runCli(['migrate', flag], { DATABASE_URL: db.url, ...broken.env });
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/^error: .*0002_email_index\.sql:3:27: syntax error at or near "\)"$/m);
      expect(r.stderr).toContain('  3 |   ON app.customers (email,);');
      expect(r.stderr).toMatch(/^hint: /m);
    }
  });

  it('--dry-run lists migrations, locks and procedures in order and leaves the catalog unchanged', async () => {
    const p = project(CONCURRENT_INDEX);
    const up = await runCli(['migrate', '--to', '0001_customers'], { DATABASE_URL: db.url, ...p.env });
    expect(up.code, up.stderr).toBe(0);
    const before = (await db.query<{ digest: string }>(CATALOG))[0]!.digest;
    const r = await runCli(['migrate', '--dry-run', '--json'], { DATABASE_URL: db.url, ...p.env });
    expect(r.code, r.stderr).toBe(0);
    const plan = JSON.parse(r.stdout) as {
      migrations: { name: string; transaction: boolean; statements: { lock: string; line: number; target: string }[] }[];
      procedures: { file: string; reason: string }[];
    };
    expect(plan.migrations.map((m) => m.name)).toEqual(['0002_email_index']);
    expect(plan.migrations[0]).toMatchObject({ transaction: false, statements: [{ lock: 'SHARE UPDATE EXCLUSIVE', line: 3, target: 'app.customers' }] });
    expect(plan.procedures).toEqual([{ file: 'app_answer.sql', reason: 'every procedure is re-applied after migrations run' }]);
    const text = await runCli(['migrate', '--dry-run'], { DATABASE_URL: db.url, ...p.env });
    expect(text.stdout).toMatch(
      /migration 0002_email_index \(no transaction\):\n\s+line 3\s+SHARE UPDATE EXCLUSIVE on app\.customers: CREATE INDEX CONCURRENTLY/,
    );
    expect((await db.query<{ digest: string }>(CATALOG))[0]!.digest).toBe(before);
    expect(await db.query(`SELECT to_regclass('app.customers_email') AS ix`)).toEqual([{ ix: null }]);
  });

  it('down --to keeps the named migration; status then says why procedures will be re-applied', async () => {
    const p = project(CONCURRENT_INDEX);
    expect((await runCli(['migrate'], { DATABASE_URL: db.url, ...p.env })).code).toBe(0);
    const d = await runCli(['down', '--to', '0001_customers'], { DATABASE_URL: db.url, ...p.env });
    expect(d.code, d.stderr).toBe(0);
    expect(await db.query(`SELECT name FROM pgphase.migrations ORDER BY id`)).toEqual([{ name: '0001_customers' }]);
    const s = await runCli(['status'], { DATABASE_URL: db.url, ...p.env });
    expect(s.stdout).toMatch(/0 changed since applied/);
    expect(s.stdout).toMatch(/1 unchanged procedure\(s\) will be re-applied by the next migrate, after `down` reverted 0002_email_index/);
    const bad = await runCli(['down', '--to', '0009_nothing'], { DATABASE_URL: db.url, ...p.env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^hint: /m);
  });

  it('--dry-run lists an INVALID index left by a failed CREATE INDEX CONCURRENTLY as one to rebuild', async () => {
    const p = project(CONCURRENT_INDEX.replace('CREATE INDEX CONCURRENTLY customers_email', 'CREATE UNIQUE INDEX CONCURRENTLY customers_email'));
    expect((await runCli(['migrate', '--to', '0001_customers'], { DATABASE_URL: db.url, ...p.env })).code).toBe(0);
    await db.query(`INSERT INTO app.customers VALUES (1, 'same@example.com'), (2, 'same@example.com')`);
    const failed = await runCli(['migrate'], { DATABASE_URL: db.url, ...p.env });
    expect(failed.code).toBe(1);
    expect(await db.query(`SELECT indisvalid FROM pg_index WHERE indexrelid = 'app.customers_email'::regclass`)).toEqual([{ indisvalid: false }]);
    const r = await runCli(['migrate', '--dry-run'], { DATABASE_URL: db.url, ...p.env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/rebuild INVALID index app\.customers_email \(from 0002_email_index\), lock SHARE UPDATE EXCLUSIVE/);
    expect(await db.query(`SELECT indisvalid FROM pg_index WHERE indexrelid = 'app.customers_email'::regclass`)).toEqual([{ indisvalid: false }]);
  });
});
