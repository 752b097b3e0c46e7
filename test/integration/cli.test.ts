/** The CLI as deploy pipelines use it: exit codes, --json on stdout, clear errors without secrets. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

describe('pgphase CLI', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ empty: true });
  });
  afterAll(() => db.drop());

  it('status exits 1 with the pending migrations while the database is empty', async () => {
    const r = await runCli(['status', '--json'], { DATABASE_URL: db.url });
    expect(r.code).toBe(1);
    const s = JSON.parse(r.stdout) as { ok: boolean; pending: string[] };
    expect(s.ok).toBe(false);
    expect(s.pending).toContain('0001_legacy_schema');
  });

  it('migrate exits 0, and then status --json exits 0 with nothing pending', async () => {
    const m = await runCli(['migrate'], { DATABASE_URL: db.url });
    expect(m.code, m.stderr).toBe(0);
    const r = await runCli(['status', '--json'], { DATABASE_URL: db.url });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, pending: [], invalidIndexes: [] });
  });

  it('an unreachable database exits 3 with one clear line, a hint, no stack trace and no password', async () => {
    const r = await runCli(['status'], { DATABASE_URL: 'postgres://someone:s3cret-Passw0rd@127.0.0.1:1/nowhere' });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^error: could not connect to the database/m);
    expect(r.stderr).toMatch(/^hint: /m);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stderr + r.stdout).not.toContain('s3cret-Passw0rd');
  });

  it('bad usage exits 2', async () => {
    expect((await runCli(['no-such-command'])).code).toBe(2);
    expect((await runCli(['migrate'], { DATABASE_URL: db.url, PGPHASE_LOCK_TIMEOUT: 'soon' })).code).toBe(2);
  });
});
