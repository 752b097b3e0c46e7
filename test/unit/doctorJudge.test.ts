import { describe, expect, it } from 'vitest';
import { type DoctorFacts, diagnose } from '../../runner/doctor/judge.js';

const healthy: DoctorFacts = {
  versionNum: 180004,
  user: 'app',
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

  it('warns about role- or database-level timeouts that would cut a long phase short, not about 0', () => {
    expect(level({ timeouts: [{ setting: 'statement_timeout', value: '30s', scope: 'role' }] }, 'settings.timeouts').level).toBe('warn');
    expect(level({ timeouts: [{ setting: 'lock_timeout', value: '0', scope: 'database' }] }, 'settings.timeouts').level).toBe('ok');
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
