/**
 * Every declared step is checked against the database before a run is recorded (runner/run/
 * stepCheck.ts): a phases file naming a table that does not exist, or a step whose isolation
 * declaration names a source key column its target lacks, is exit 2 with the step and a hint —
 * no run recorded, so `status` has no interrupted ghost to report — and `doctor` names it too.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { FIXTURE_PHASES_FILE, setUpFixture } from '../support/runnerFixture.js';

type Doctor = { checks: { name: string; level: string; message: string; fix: string }[] };

describe('declared steps, checked before any work', () => {
  let db: TestDatabase;
  const dir = mkdtempSync(join(tmpdir(), 'pgphase-steps-'));
  const phasesFile = (steps: object[]) => {
    const file = join(dir, `phases-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(file, JSON.stringify([{ name: 'copy', description: 'test', steps }]));
    return file;
  };
  const runs = async () => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM pgphase.runs'))[0]!.n;
  beforeAll(async () => {
    db = await createTestDatabase();
    await setUpFixture(db, 200);
    const migrated = await runCli(['migrate'], { DATABASE_URL: db.url, PGPHASE_PHASES: FIXTURE_PHASES_FILE });
    expect(migrated.code, migrated.stderr).toBe(0);
    // A step on the generic isolation driver whose target has no source_raw_id (the column the
    // declaration defaults to), as `new phase` used to scaffold over a user's own target.
    await db.query(`
      CREATE TABLE fixture.keyed (id bigint PRIMARY KEY, v text);
      CREATE FUNCTION fixture.classify_keyed (p_lo bigint, p_hi bigint)
        RETURNS TABLE (source_raw_id bigint, v text, reason_code text, message text, raw_row jsonb) LANGUAGE sql STABLE
        AS $$ SELECT s.id, s.v, NULL::text, NULL::text, to_jsonb(s) FROM fixture.src s WHERE s.id BETWEEN p_lo AND p_hi $$;
      CREATE PROCEDURE fixture.load_keyed (p_run_id bigint, p_lo bigint, p_hi bigint, INOUT rows_in bigint DEFAULT NULL,
        INOUT written bigint DEFAULT NULL, INOUT rejected bigint DEFAULT NULL, INOUT extras jsonb DEFAULT NULL) LANGUAGE plpgsql AS $$
      BEGIN
        CALL pgphase.isolate('{"source":"fixture.src","key":"id","classify":"fixture.classify_keyed","target":"fixture.keyed"}', p_run_id, p_lo, p_hi, rows_in, written, rejected, extras);
      END $$;`);
  });
  afterAll(() => db?.drop());

  it('refuses a step whose source table does not exist, before recording a run', async () => {
    const before = await runs();
    const env = { DATABASE_URL: db.url, PGPHASE_PHASES: phasesFile([{ source: 'fixture.nope', procedure: 'fixture.copy_rows', key: 'id' }]) };
    const r = await runCli(['run', '--workers', '1'], env);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/^error: the phases cannot run as declared: phase copy, step fixture\.nope: source table fixture\.nope does not exist$/m);
    expect(r.stderr).toMatch(/^hint: If a migration creates it, run `pgphase migrate` first/m);
    expect(await runs()).toBe(before);
    const status = await runCli(['status'], env);
    expect(status.stdout).not.toMatch(/INTERRUPTED/);
    const keyless = await runCli(['run', '--workers', '1'], {
      ...env,
      PGPHASE_PHASES: phasesFile([{ source: 'fixture.src', procedure: 'fixture.copy_rows', key: 'v' }]),
    });
    expect(keyless.code).toBe(2);
    expect(keyless.stderr).toMatch(/key fixture\.src\.v is text, not an integer/);
    const noProc = await runCli(['run', '--workers', '1'], {
      ...env,
      PGPHASE_PHASES: phasesFile([{ source: 'fixture.src', procedure: 'fixture.copy_rowz', key: 'id' }]),
    });
    expect(noProc.code).toBe(2);
    expect(noProc.stderr).toMatch(/procedure fixture\.copy_rowz does not exist/);
    expect(await runs()).toBe(before);
  });

  it('refuses a step whose isolation declaration does not fit its target, with the driver’s hint; doctor names it', async () => {
    const env = { DATABASE_URL: db.url, PGPHASE_PHASES: phasesFile([{ source: 'fixture.src', procedure: 'fixture.load_keyed', key: 'id' }]) };
    const before = await runs();
    const r = await runCli(['run', '--workers', '1'], env);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/step fixture\.src: fixture\.load_keyed: pgphase\.isolate: .* need the columns source_raw_id and source_raw_id/);
    expect(r.stderr).toMatch(/^hint: Name the source key column with source_column/m);
    expect(await runs()).toBe(before);
    const doctor = await runCli(['doctor', '--json'], env);
    const phases = (JSON.parse(doctor.stdout) as Doctor).checks.find((c) => c.name === 'phases');
    expect(phases).toMatchObject({
      level: 'fail',
      message: expect.stringMatching(/need the columns source_raw_id/),
      fix: expect.stringMatching(/source_column/),
    });
    expect(doctor.code).toBe(1);
    const fine = await runCli(['doctor', '--json'], { ...env, PGPHASE_PHASES: FIXTURE_PHASES_FILE });
    expect((JSON.parse(fine.stdout) as Doctor).checks.find((c) => c.name === 'phases')).toMatchObject({ level: 'ok' });
  });
});
