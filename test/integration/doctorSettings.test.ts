/**
 * `pgphase doctor` reads the settings this login's new sessions start with, as ALTER DATABASE and
 * ALTER ROLE … IN DATABASE give them on a real server: it fails a read-only default with the
 * statement that resets it (which, run, makes doctor pass), warns about the settings that change
 * what pgphase does, reports JIT and the cost of pg_timezone_names as the server has them, and the
 * claim it makes about that cost (an IMMUTABLE reader called from PL/pgSQL is computed once per
 * session, not once per transaction) holds.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Check } from '../../runner/doctor/judge.js';
import { runCli } from '../support/cli.js';
import { admin, createTestDatabase, type TestDatabase } from '../support/db.js';

interface Report {
  readonly ok: boolean;
  readonly checks: readonly Check[];
}

describe('doctor on the settings of a real server', () => {
  let db: TestDatabase;
  let user = '';
  let major = 0;
  const doctor = async (): Promise<{ code: number | null; report: Report; check: (name: string) => Check }> => {
    const r = await runCli(['doctor', '--json'], { DATABASE_URL: db.url });
    const report = JSON.parse(r.stdout) as Report;
    return { code: r.code, report, check: (name) => report.checks.find((c) => c.name === name)! };
  };
  /** Runs an administrator's statements (they name this test's database and login). */
  const administer = (statements: readonly string[]) => admin(async (c) => void (await c.query(statements.join('\n'))));

  beforeAll(async () => {
    db = await createTestDatabase();
    const [me] = await db.query<{ user: string; major: number }>(`SELECT current_user AS user, current_setting('server_version_num')::int / 10000 AS major`);
    user = me!.user;
    major = me!.major;
  });
  afterAll(() => db.drop());

  it('a database with the defaults: writable, no session setting to warn about, JIT and pg_timezone_names as the server has them', async () => {
    const { code, check } = await doctor();
    expect(code).toBe(0);
    expect(check('writable')).toMatchObject({ level: 'ok', message: `a primary, and ${user}'s transactions are read-write by default` });
    expect(check('settings.session').level).toBe('ok');

    const [server] = await db.query<{ available: boolean; on: boolean; above: string; isolate: boolean | null }>(
      `SELECT pg_jit_available() AS available, current_setting('jit')::boolean AS on, current_setting('jit_above_cost') AS above,
              (SELECT bool_and(coalesce('jit=off' = ANY (proconfig), false)) FROM pg_proc WHERE oid = 'pgphase.isolate'::regproc) AS isolate`,
    );
    const jit = check('jit');
    expect(jit.level).toBe('ok');
    if (server!.on && server!.available) expect(jit.message).toContain(`jit_above_cost ${Number(server!.above)}`);
    else expect(jit.message).not.toContain('jit_above_cost');
    expect(jit.message).toContain(server!.isolate ? 'pgphase.isolate runs with jit = off' : 'pgphase.isolate does not set jit = off yet');

    // staging.known_time_zones reads it (on every version; staging.timestamp_fields_valid calls it on 15)
    expect(check('timezone names').message).toMatch(
      /^SELECT count\(\*\) FROM pg_timezone_names took \d+ ms here; staging.known_time_zones reads it and is IMMUTABLE: .* once per session/,
    );
  });

  it('fails a login whose transactions are read-only by default, with the statement that resets it; run, doctor passes', async () => {
    await administer([`ALTER ROLE ${user} IN DATABASE ${db.name} SET default_transaction_read_only = on;`]);
    const { code, report, check } = await doctor();
    expect(code).toBe(1);
    expect(report.ok).toBe(false);
    const writable = check('writable');
    expect(writable.level).toBe('fail');
    expect(writable.message).toContain('default_transaction_read_only = on (set for this role in this database)');
    expect(writable.statements).toEqual([`ALTER ROLE ${user} IN DATABASE ${db.name} RESET default_transaction_read_only;`]);

    await administer(writable.statements!);
    const after = await doctor();
    expect(after.code).toBe(0);
    expect(after.check('writable').level).toBe('ok');
  });

  it('warns about session_replication_role and another abbreviation set, notes a DMY DateStyle; the statements make it pass', async () => {
    await administer([
      `ALTER ROLE ${user} IN DATABASE ${db.name} SET session_replication_role = replica;`,
      `ALTER DATABASE ${db.name} SET datestyle = 'SQL, DMY';`,
      `ALTER DATABASE ${db.name} SET timezone_abbreviations = 'India';`,
      `ALTER DATABASE ${db.name} SET search_path = pg_catalog;`,
      `ALTER DATABASE ${db.name} SET default_transaction_isolation = serializable;`,
      `ALTER DATABASE ${db.name} SET statement_timeout = '30s';`,
    ]);
    const { code, check } = await doctor();
    expect(code).toBe(0); // warnings only
    const session = check('settings.session');
    expect(session.level).toBe('warn');
    expect(session.message).toContain('session_replication_role = replica (set for this role in this database)');
    expect(session.message).toMatch(/DateStyle = SQL, DMY \(set for this database\): pgphase's results do not depend on them/); // its sessions ask for ISO output
    expect(session.message).toContain('timezone_abbreviations = India (set for this database)');
    expect(session.message).toContain('default_transaction_isolation = serializable (set for this database): pgphase begins its transactions read committed');
    expect(session.message).toContain('search_path = pg_catalog (set for this database)');
    expect(session.statements).toEqual([
      `ALTER ROLE ${user} IN DATABASE ${db.name} RESET session_replication_role;`,
      `ALTER DATABASE ${db.name} RESET timezone_abbreviations;`,
    ]);
    expect(check('settings.timeouts')).toMatchObject({ level: 'warn' });
    expect(check('settings.timeouts').message).toMatch(/^statement_timeout=30s \(database\) apply/);
    expect(check('settings.timeouts').statements).toEqual([`ALTER DATABASE ${db.name} RESET statement_timeout;`]);

    await administer(session.statements!);
    expect((await doctor()).check('settings.session').level).toBe('ok');
    await administer([`ALTER DATABASE ${db.name} RESET ALL;`]);
  });

  it('names a value set for the login in every database as set for the role, with the RESET for the role', async () => {
    const login = `pgphase_t_doctor_${randomBytes(4).toString('hex')}`;
    await administer([
      `CREATE ROLE ${login} LOGIN SUPERUSER PASSWORD '${login}';`,
      `ALTER ROLE ${login} SET default_transaction_read_only = on;`,
      `ALTER ROLE ${login} SET statement_timeout = '30s';`,
    ]);
    try {
      const url = new URL(db.url);
      url.username = login;
      url.password = login;
      const r = await runCli(['doctor', '--json'], { DATABASE_URL: url.toString() });
      expect(r.stdout, r.stderr).not.toBe('');
      const report = JSON.parse(r.stdout) as Report;
      const check = (name: string) => report.checks.find((c) => c.name === name)!;
      expect(check('writable')).toMatchObject({ level: 'fail', statements: [`ALTER ROLE ${login} RESET default_transaction_read_only;`] });
      expect(check('writable').message).toContain('default_transaction_read_only = on (set for this role)');
      expect(check('settings.timeouts')).toMatchObject({ level: 'warn', statements: [`ALTER ROLE ${login} RESET statement_timeout;`] });
    } finally {
      await administer([`DROP ROLE ${login};`]);
    }
  });

  it('an IMMUTABLE reader of pg_timezone_names called from PL/pgSQL is computed once per session, not once per transaction', async () => {
    // On 15 the real caller; on 16+ (where staging uses pg_input_is_valid) a PL/pgSQL caller of the same shape.
    const caller = major < 16 ? 'staging.timestamp_fields_valid' : 'pg_temp.zone_known';
    const calls = async () =>
      Number((await db.query<{ n: string }>(`SELECT coalesce(sum(calls), 0) AS n FROM pg_stat_user_functions WHERE funcname = 'known_time_zones'`))[0]!.n);
    const session = async (transactions: number) => {
      const c = new pg.Client({ connectionString: db.url });
      await c.connect();
      try {
        await c.query(`SET track_functions = 'all'`);
        if (major >= 16)
          await c.query(
            `CREATE FUNCTION pg_temp.zone_known (p_value text) RETURNS boolean LANGUAGE plpgsql STABLE AS $$
             BEGIN RETURN lower(substr(p_value, 21)) = ANY (staging.known_time_zones()); END $$`,
          );
        for (let i = 0; i < transactions; i++) {
          await c.query('BEGIN');
          expect((await c.query(`SELECT ${caller}($1) AS ok`, ['2024-03-28 19:56:27 America/New_York'])).rows[0].ok).toBe(true);
          await c.query('COMMIT');
        }
        await c.query('SELECT pg_stat_force_next_flush()');
        await c.query('SELECT 1'); // flushed when the session went idle
      } finally {
        await c.end();
      }
    };
    const before = await calls();
    await session(5);
    expect(await calls()).toBe(before + 1);
    await session(3);
    expect(await calls()).toBe(before + 2);
  });
});
