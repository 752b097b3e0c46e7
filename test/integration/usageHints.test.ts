/** Every error a DBA sees has one `error:` line and a `hint:` line, usage mistakes included. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, runCli } from '../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

function expectHinted(r: CliResult, message: RegExp, hint: RegExp): void {
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr.split('\n').filter((l) => l.startsWith('error: '))).toHaveLength(1);
  expect(r.stderr).toMatch(message);
  expect(r.stderr.match(/^hint: .*$/m)?.[0] ?? '(no hint)').toMatch(hint);
}

describe('usage and configuration errors', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ empty: true });
  });
  afterAll(() => db.drop());

  it('an unknown command and a missing argument get a hint', async () => {
    expectHinted(await runCli(['migrat']), /unknown command 'migrat'/, /pgphase --help/);
    expectHinted(await runCli(['new', 'migration']), /missing required argument 'name'/, /pgphase new --help/);
  });

  it('--workers 0 says what is allowed and gives an example', async () => {
    expectHinted(await runCli(['run', '--workers', '0'], { DATABASE_URL: db.url }), /--workers must be a whole number from 1 to 1024, not "0"/, /--workers 4/);
  });

  it('a missing migrations folder is exit 2 naming the setting, not a raw ENOENT', async () => {
    for (const args of [['migrate', '--dry-run'], ['lint']]) {
      const r = await runCli(args, { DATABASE_URL: db.url, PGPHASE_MIGRATIONS_DIR: '/nonexistent/migrations' });
      expectHinted(r, /the migrations folder \/nonexistent\/migrations does not exist \(setting migrationsDir\)/, /PGPHASE_MIGRATIONS_DIR/);
      expect(r.stderr).not.toMatch(/ENOENT|scandir/);
    }
  });
});
