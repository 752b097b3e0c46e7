/**
 * A server older than PostgreSQL 15 is refused with exit code 2 before anything changes. The
 * version the server reports is injected (PGPHASE_TEST_SERVER_VERSION_NUM) so that no old server
 * is needed; the pure rule is tested in test/unit/versionRule.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

describe('a server reporting PostgreSQL 14', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ empty: true });
  });
  afterAll(() => db.drop());

  it('is refused by every command that connects, with exit 2, the version found and the versions supported, changing nothing', async () => {
    const env = { DATABASE_URL: db.url, PGPHASE_TEST_SERVER_VERSION_NUM: '140011' };
    const commands = [['migrate'], ['status'], ['run'], ['generate', '--rows', '10'], ['quarantine', 'list'], ['doctor'], ['down']];
    const results = await Promise.all(commands.map((args) => runCli(args, env)));
    results.forEach((r, i) => {
      expect(r.code, `${commands[i]!.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(/^error: PostgreSQL 14\.11 is not supported: pgphase runs on PostgreSQL 15 to 18$/m);
      expect(r.stderr).toMatch(/^hint: Upgrade the server/m);
    });
    expect(await db.query(`SELECT nspname FROM pg_namespace WHERE nspname IN ('pgphase', 'raw', 'staging', 'curated', 'pipeline')`)).toEqual([]);
  });

  it('the same database is accepted when the real version is reported', async () => {
    const r = await runCli(['status', '--json'], { DATABASE_URL: db.url });
    expect(r.code, r.stderr).toBe(1); // pending migrations, not refused
  });
});
