import { describe, expect, it } from 'vitest';
import { type DoctorFacts, diagnose } from '../../runner/doctor/judge.js';
import type { SessionFacts } from '../../runner/doctor/sessionChecks.js';

/** A new session's settings as PostgreSQL's defaults give them (TimeZone from initdb). */
const defaults: SessionFacts['session'] = {
  default_transaction_read_only: { value: 'off', source: 'default' },
  default_transaction_isolation: { value: 'read committed', source: 'default' },
  session_replication_role: { value: 'origin', source: 'default' },
  DateStyle: { value: 'ISO, MDY', source: 'configuration file' },
  timezone_abbreviations: { value: 'Default', source: 'configuration file' },
  search_path: { value: '"$user", public', source: 'default' },
  TimeZone: { value: 'Etc/UTC', source: 'configuration file' },
  IntervalStyle: { value: 'postgres', source: 'default' },
  extra_float_digits: { value: '1', source: 'default' },
};

const healthy: DoctorFacts = {
  versionNum: 180004,
  user: 'app',
  database: 'odds',
  inRecovery: false,
  session: defaults,
  sessionLevels: [],
  jit: { available: true, on: true, aboveCost: 100_000, inlineAboveCost: 500_000, optimizeAboveCost: 500_000, isolateOff: true },
  timeZoneNames: { readers: [], ms: null },
  superuser: false,
  createRole: true,
  schemaCreate: { pgphase: true, staging: true },
  databaseCreate: true,
  readAllStats: true,
  maxConnections: 100,
  reservedConnections: 3,
  connectionsInUse: 10,
  roleConnLimit: -1,
  roleConnections: 1,
  workers: 4,
  timeouts: [],
  pendingMigrations: [],
  changedMigrations: [],
  changedProcedures: [],
  invalidIndexes: [],
  frameworkSchema: { present: true, missingTables: [] },
  rolePending: [],
};
const level = (facts: Partial<DoctorFacts>, name: string) => diagnose({ ...healthy, ...facts }).checks.find((c) => c.name === name)!;
const withSession = (session: Partial<SessionFacts['session']>, facts: Partial<DoctorFacts> = {}) => ({ session: { ...defaults, ...session }, ...facts });

describe('doctor verdicts', () => {
  it('a healthy server: every check ok, nothing fails', () => {
    const result = diagnose(healthy);
    expect(result.ok).toBe(true);
    expect(result.checks.map((c) => c.level)).toEqual(result.checks.map(() => 'ok'));
  });

  it('fails an unsupported version and a schema the login may not create in, each with a one-line fix', () => {
    for (const check of [level({ versionNum: 140010 }, 'version'), level({ schemaCreate: { staging: false } }, 'privileges.schemas')]) {
      expect(check.level).toBe('fail');
      expect(check.fix).not.toBe('');
      expect(check.fix).not.toContain('\n');
    }
    expect(diagnose({ ...healthy, versionNum: 140010 }).ok).toBe(false);
  });

  it('warns, with the statements to run, when migration 0008 could not create the roles', () => {
    const check = level({ createRole: false, rolePending: ['CREATE ROLE pgphase_runner NOLOGIN;'] }, 'privileges.roles');
    expect(check.level).toBe('warn');
    expect(check.statements).toEqual(['CREATE ROLE pgphase_runner NOLOGIN;']);
    expect(level({ createRole: false }, 'privileges.roles').level).toBe('warn');
  });

  it("weighs free connection slots against the workers of a run (and the role's CONNECTION LIMIT)", () => {
    expect(level({ connectionsInUse: 94 }, 'connections').level).toBe('warn'); // 3 free for 5
    expect(level({ connectionsInUse: 96 }, 'connections').level).toBe('fail'); // 1 free
    expect(level({ roleConnLimit: 4, roleConnections: 1 }, 'connections').level).toBe('warn');
    expect(level({ connectionsInUse: 94 }, 'connections').fix).toContain('--workers 2');
  });

  it('warns about role- or database-level timeouts, not about 0, saying that run and migrate set their own', () => {
    const check = level({ timeouts: [{ setting: 'statement_timeout', value: '30s', scope: 'role' }] }, 'settings.timeouts');
    expect(check.level).toBe('warn');
    expect(check.message).toContain('statement_timeout=30s (role)');
    expect(check.message).toMatch(/pgphase run sets its own statement_timeout, lock_timeout and idle_in_transaction_session_timeout/);
    expect(check.message).toMatch(/generate, quarantine replay/);
    expect(check.statements).toEqual(['ALTER ROLE app RESET statement_timeout;']);
    expect(level({ timeouts: [{ setting: 'lock_timeout', value: '0', scope: 'database' }] }, 'settings.timeouts').level).toBe('ok');
  });

  it('fails a standby, and a login whose transactions are read-only by default, with the statements that reset it where it is set', () => {
    const standby = level({ inRecovery: true }, 'writable');
    expect(standby.level).toBe('fail');
    expect(standby.fix).toMatch(/primary/);
    expect(diagnose({ ...healthy, inRecovery: true }).ok).toBe(false);

    const readOnly = (source: string, sessionLevels: DoctorFacts['sessionLevels'] = []) =>
      level(withSession({ default_transaction_read_only: { value: 'on', source } }, { sessionLevels }), 'writable');
    const inDatabase = readOnly('database user', [
      { setting: 'default_transaction_read_only', value: 'on', scope: 'role in this database' },
      { setting: 'default_transaction_read_only', value: 'off', scope: 'database' },
      { setting: 'default_transaction_read_only', value: 'true', scope: 'role' },
    ]);
    expect(inDatabase.level).toBe('fail');
    expect(inDatabase.message).toContain('default_transaction_read_only = on (set for this role in this database)');
    expect(inDatabase.statements).toEqual([
      'ALTER ROLE app IN DATABASE odds RESET default_transaction_read_only;',
      'ALTER ROLE app RESET default_transaction_read_only;',
    ]);
    expect(readOnly('global', [{ setting: 'default_transaction_read_only', value: 'on', scope: 'all roles' }]).statements).toEqual([
      'ALTER ROLE ALL RESET default_transaction_read_only;',
    ]);
    // set server-wide: an override for this login only, not a change for everyone
    expect(readOnly('configuration file').statements).toEqual(['ALTER ROLE app IN DATABASE odds SET default_transaction_read_only = off;']);
    const client = readOnly('client');
    expect(client.statements).toBeUndefined();
    expect(client.fix).toMatch(/PGOPTIONS/);
    expect(
      level({ user: 'Deploy', database: 'odds-prod', ...withSession({ default_transaction_read_only: { value: 'on', source: 'user' } }) }, 'writable')
        .statements,
    ).toEqual(['ALTER ROLE "Deploy" IN DATABASE "odds-prod" SET default_transaction_read_only = off;']);
  });

  it('warns about session settings that change what pgphase does: replication role, another abbreviation set; not a DateStyle (its sessions ask for ISO output)', () => {
    const replica = level(
      withSession(
        { session_replication_role: { value: 'replica', source: 'user' } },
        { sessionLevels: [{ setting: 'session_replication_role', value: 'replica', scope: 'role' }] },
      ),
      'settings.session',
    );
    expect(replica.level).toBe('warn');
    expect(replica.message).toMatch(/session_replication_role = replica \(set for this role\): ordinary triggers and foreign-key checks do not fire/);
    expect(replica.statements).toEqual(['ALTER ROLE app RESET session_replication_role;']);

    const sqlDates = level(withSession({ DateStyle: { value: 'SQL, DMY', source: 'database' } }), 'settings.session');
    expect(sqlDates.level).toBe('ok');
    expect(sqlDates.message).toMatch(/DateStyle = SQL, DMY \(set for this database\): pgphase's results do not depend on them/);

    const india = level(withSession({ timezone_abbreviations: { value: 'India', source: 'configuration file' } }), 'settings.session');
    expect(india.level).toBe('warn');
    expect(india.message).toMatch(/zone abbreviation/);

    const fromClient = level(withSession({ session_replication_role: { value: 'replica', source: 'client' } }), 'settings.session');
    expect(fromClient.statements).toBeUndefined();
    expect(fromClient.fix).toMatch(/^Remove session_replication_role from PGOPTIONS/);
  });

  it('reports, without warning, the settings pgphase is independent of when they are not the default', () => {
    const check = level(
      withSession({
        default_transaction_isolation: { value: 'serializable', source: 'database' },
        search_path: { value: 'pg_catalog', source: 'database' },
        TimeZone: { value: 'Asia/Kathmandu', source: 'user' },
        DateStyle: { value: 'ISO, DMY', source: 'database' },
        IntervalStyle: { value: 'iso_8601', source: 'database' },
        extra_float_digits: { value: '0', source: 'client' },
      }),
      'settings.session',
    );
    expect(check.level).toBe('ok');
    expect(check.message).toContain('default_transaction_isolation = serializable (set for this database): pgphase begins its transactions read committed');
    for (const shown of ['search_path = pg_catalog', 'TimeZone = Asia/Kathmandu', 'DateStyle = ISO, DMY', 'IntervalStyle = iso_8601', 'extra_float_digits = 0'])
      expect(check.message).toContain(shown);
    expect(check.message).toMatch(/results do not depend on them/);
    // the defaults, and a UTC time zone, are not worth a word
    expect(level({}, 'settings.session').message).toBe("no setting of app's sessions changes what pgphase does");
    expect(level(withSession({ TimeZone: { value: 'UTC', source: 'database' } }), 'settings.session').message).not.toMatch(/TimeZone/);
  });

  it('reports JIT as handled: its state and thresholds, and that pgphase turns it off for its own statements only', () => {
    const on = level({}, 'jit');
    expect(on.level).toBe('ok');
    expect(on.message).toMatch(/^JIT is available and on for app \(jit_above_cost 100000, jit_inline_above_cost 500000, jit_optimize_above_cost 500000\)/);
    expect(on.message).toMatch(/SET LOCAL jit = off in each of its transactions, and pgphase.isolate runs with jit = off/);
    expect(on.message).toMatch(/the server's setting is untouched/);
    const jit = (facts: Partial<DoctorFacts['jit']>) => level({ jit: { ...healthy.jit, ...facts } }, 'jit');
    expect(jit({ isolateOff: false }).message).toMatch(/pgphase.isolate does not set jit = off yet \(pgphase migrate adds it\)/);
    expect(jit({ isolateOff: null }).message).toMatch(/pgphase migrate sets jit = off on pgphase.isolate/);
    expect(jit({ on: false, available: false }).message).toMatch(/^JIT is off for app/);
    expect(jit({ available: false }).message).toMatch(/^jit = on, but no JIT provider loads/);
    for (const facts of [{ isolateOff: false }, { isolateOff: null }, { on: false }]) expect(jit(facts).level).toBe('ok');
  });

  it('times pg_timezone_names when a procedure reads it, warning above 200 ms and saying whether it is paid per session or per batch', () => {
    const tz = (ms: number | null, volatility: 'immutable' | 'stable' | 'volatile' | null = 'immutable') =>
      level({ timeZoneNames: { readers: [{ name: 'staging.known_time_zones', volatility }], ms } }, 'timezone names');
    expect(level({}, 'timezone names')).toMatchObject({ level: 'ok', message: 'no procedure for this server reads pg_timezone_names' });
    expect(tz(50).level).toBe('ok');
    expect(tz(200).level).toBe('ok');
    const slow = tz(812.4);
    expect(slow.level).toBe('warn');
    expect(slow.message).toMatch(/^SELECT count\(\*\) FROM pg_timezone_names took 812 ms here; staging.known_time_zones reads it and is IMMUTABLE/);
    expect(slow.message).toMatch(/once per session .* not per batch/);
    expect(slow.fix).toMatch(/^Nothing per batch/);
    const stable = tz(812.4, 'stable');
    expect(stable.message).toMatch(/STABLE: computed on every call, so at least once per statement of every batch/);
    expect(stable.fix).toMatch(/^Declare staging.known_time_zones IMMUTABLE/);
    expect(tz(812.4, null).message).toMatch(/not installed yet/);
  });

  it('reports pending work as warn, edited applied migrations and a damaged pgphase schema as fail', () => {
    expect(level({ pendingMigrations: ['0009_x'] }, 'migrations').level).toBe('warn');
    expect(level({ changedProcedures: ['a.sql'] }, 'migrations').level).toBe('warn');
    expect(level({ changedMigrations: ['0001_x'] }, 'migrations').level).toBe('fail');
    expect(level({ invalidIndexes: ['s.ix'] }, 'indexes').level).toBe('warn');
    expect(level({ frameworkSchema: { present: false, missingTables: [] } }, 'pgphase schema').level).toBe('warn');
    expect(level({ frameworkSchema: { present: true, missingTables: ['migrations'] } }, 'pgphase schema').level).toBe('fail');
  });
});
