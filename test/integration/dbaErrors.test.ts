/**
 * Errors a DBA can act on, through the real CLI: each failure a deploy pipeline meets — the
 * server unreachable, a wrong password, a database that was never migrated, a lock held by
 * another migrator or session, no connection slot, a role without the privilege — ends in one
 * `error:` line and a `hint:` saying what to do, with its documented exit code (2 usage or
 * configuration, 3 could not reach or lock the database), and no stack trace unless --verbose.
 */
import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli, type CliResult } from '../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

const STACK = /\n\s+at /;
const PASSWORD = `Dba-${randomBytes(6).toString('hex')}`;

/** One `error:` line and a hint; nothing that looks like a stack trace, and never the password. */
function expectClearError(r: CliResult, code: number, message: RegExp, hint: RegExp): void {
  expect(r.code, r.stderr).toBe(code);
  // Log lines (JSON on a non-terminal) may come first; the error is one line, then its hint.
  const errors = r.stderr.split('\n').filter((l) => l.startsWith('error: '));
  expect(errors).toHaveLength(1);
  expect(errors[0]).toMatch(message);
  expect(r.stderr).toMatch(/^hint: /m);
  expect(r.stderr.match(/^hint: .*$/m)![0]).toMatch(hint);
  expect(r.stderr).not.toMatch(STACK);
  expect(r.stdout + r.stderr).not.toContain(PASSWORD);
}

function urlAs(base: string, user: string, password: string, database?: string): string {
  const url = new URL(base);
  url.username = encodeURIComponent(user);
  url.password = encodeURIComponent(password);
  if (database) url.pathname = `/${database}`;
  return url.toString();
}

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: inject('pgAdminUrl') });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

describe('errors a DBA can act on', () => {
  let migrated: TestDatabase;
  let empty: TestDatabase;
  const role = `pgphase_t_dba_${randomBytes(4).toString('hex')}`;
  const capped = `${role}_capped`;
  beforeAll(async () => {
    [migrated, empty] = await Promise.all([createTestDatabase(), createTestDatabase({ empty: true })]);
    await admin(`CREATE ROLE ${role} LOGIN PASSWORD '${PASSWORD}'`);
    await admin(`CREATE ROLE ${capped} LOGIN PASSWORD '${PASSWORD}' CONNECTION LIMIT 0`);
  });
  afterAll(async () => {
    await Promise.all([migrated.drop(), empty.drop()]);
    await admin(`DROP ROLE IF EXISTS ${role}`);
    await admin(`DROP ROLE IF EXISTS ${capped}`);
  });

  it.concurrent('an unreachable server: exit 3, what to check, and the stack only with --verbose', async () => {
    const url = `postgres://someone:${PASSWORD}@127.0.0.1:1/nowhere`;
    const [plain, verbose] = await Promise.all([runCli(['run'], { DATABASE_URL: url }), runCli(['run', '--verbose'], { DATABASE_URL: url })]);
    expectClearError(plain, 3, /could not connect to the database: connect ECONNREFUSED/, /server running and reachable\? Check DATABASE_URL \(host, port\)/);
    expect(verbose.code).toBe(3);
    expect(verbose.stderr).toMatch(/^error: could not connect/);
    expect(verbose.stderr).toMatch(STACK);
    expect(verbose.stderr + verbose.stdout).not.toContain(PASSWORD);
  });

  it.concurrent('a host that does not resolve: exit 3', async () => {
    const r = await runCli(['status'], { DATABASE_URL: `postgres://someone:${PASSWORD}@no-such-host.invalid:5432/x` });
    expectClearError(r, 3, /could not connect to the database: getaddrinfo/, /Check DATABASE_URL \(host, port\)/);
  });

  it.concurrent('a wrong password: exit 3, check the user and password', async () => {
    const r = await runCli(['quarantine', 'list'], { DATABASE_URL: urlAs(migrated.url, role, `${PASSWORD}-wrong`) });
    expectClearError(r, 3, /password authentication failed for user/, /Check the user and password in DATABASE_URL/);
  });

  it.concurrent('a database that does not exist: exit 3, create it or point elsewhere', async () => {
    const r = await runCli(['migrate'], { DATABASE_URL: urlAs(migrated.url, role, PASSWORD, 'pgphase_t_absent') });
    expectClearError(r, 3, /database "pgphase_t_absent" does not exist/, /create it, or point DATABASE_URL elsewhere/);
  });

  it.concurrent('a DATABASE_URL with a port out of range: exit 2, a hint about the port, no trace of the password', async () => {
    const r = await runCli(['status'], { DATABASE_URL: `postgres://someone:${PASSWORD}@127.0.0.1:99999/x` });
    expectClearError(r, 2, /DATABASE_URL is not a valid connection URL.*port 99999 is out of range/, /TCP port is 1 to 65535/);
    expect(r.stderr).not.toMatch(/Percent-encode/);
  });

  it.concurrent('a DATABASE_URL with an unencoded # in the password: exit 2, percent-encode', async () => {
    const r = await runCli(['status'], { DATABASE_URL: `postgres://someone:${PASSWORD}#x@127.0.0.1:5432/x` });
    expectClearError(r, 2, /DATABASE_URL is not a valid connection URL/, /Percent-encode/);
  });

  it.concurrent('no connection slot left for the role: exit 3, with what to raise', async () => {
    const r = await runCli(['status'], { DATABASE_URL: urlAs(migrated.url, capped, PASSWORD) });
    expectClearError(r, 3, /too many connections for role/, /CONNECTION LIMIT|max_connections/);
  });

  it.concurrent('a role without the privilege: exit 2, naming the role it needs', async () => {
    const r = await runCli(['run'], { DATABASE_URL: urlAs(migrated.url, role, PASSWORD) });
    expectClearError(r, 2, /permission denied for (schema|table) /, /pgphase_runner/);
  });

  describe('a database that was never migrated', () => {
    for (const args of [['run'], ['run', 'staging', '--json'], ['quarantine', 'list'], ['quarantine', 'replay']]) {
      it.concurrent(`\`pgphase ${args.join(' ')}\` exits 2 and says to run migrate first`, async () => {
        const r = await runCli(args, { DATABASE_URL: empty.url });
        expectClearError(r, 2, /does not exist/, /run `pgphase migrate`/);
        expect(r.stdout).toBe('');
      });
    }

    it.concurrent('`pgphase status` exits 1 and lists what is pending', async () => {
      const r = await runCli(['status'], { DATABASE_URL: empty.url });
      expect(r.code, r.stderr).toBe(1);
      expect(r.stdout).toMatch(/pending +0001_legacy_schema/);
      expect(r.stdout).toMatch(/status: action needed/);
    });
  });

  it('another migrator holding the migration lock: exit 3 naming its session, after a bounded wait', async () => {
    const holder = new pg.Client({ connectionString: migrated.url, application_name: 'the other migrator' });
    await holder.connect();
    try {
      await holder.query(`SELECT pg_advisory_lock(7232648511430961153)`);
      const started = Date.now();
      const r = await runCli(['migrate'], { DATABASE_URL: migrated.url, PGPHASE_MIGRATE_WAIT: '600ms' });
      expect(Date.now() - started).toBeLessThan(15_000);
      expectClearError(
        r,
        3,
        /another migrator is running \(pid \d+, the other migrator, connected since .*\); waited 600 ms/,
        /Let it finish and run the command again, or raise PGPHASE_MIGRATE_WAIT/,
      );
    } finally {
      await holder.end();
    }
  });

  it('a session holding a lock a migration needs: exit 3 after the retry ladder, naming the migration', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgphase-dba-'));
    const blocker = new pg.Client({ connectionString: migrated.url });
    await blocker.connect();
    try {
      for (const f of (await readdir('migrations')).filter((n) => n.endsWith('.sql'))) await cp(join('migrations', f), join(dir, f));
      await writeFile(
        join(dir, '9999_add_column.sql'),
        '-- Up Migration\nALTER TABLE raw.games ADD COLUMN note text;\n-- Down Migration\nALTER TABLE raw.games DROP COLUMN note;\n',
      );
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE raw.games IN ACCESS SHARE MODE');
      const r = await runCli(['migrate'], {
        DATABASE_URL: migrated.url,
        PGPHASE_MIGRATIONS_DIR: dir,
        PGPHASE_LOCK_TIMEOUT: '200ms',
        PGPHASE_LOCK_RETRIES: '1',
        PGPHASE_LOCK_RETRY_BASE: '50ms',
      });
      expectClearError(r, 3, /migration 9999_add_column failed \(SQLSTATE 55P03\)/, /find the blocker in pg_stat_activity/);
      const [column] = await migrated.query(`SELECT count(*)::int AS n FROM pg_attribute WHERE attrelid = 'raw.games'::regclass AND attname = 'note'`);
      expect(column).toEqual({ n: 0 });
    } finally {
      await blocker.query('ROLLBACK').catch(() => {});
      await blocker.end();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
