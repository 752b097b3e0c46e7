/**
 * Results on stdout, logs on stderr, for every command a pipeline runs in sequence: each prints
 * its result (text or JSON) on stdout, and everything on stderr is a log line (JSON here, with
 * PGPHASE_LOG=json), so `cmd > result.txt` keeps the whole result and nothing else.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { FIXTURE_PHASES_FILE, setUpFixture } from '../support/runnerFixture.js';

const logLinesOnly = (stderr: string) =>
  stderr
    .split('\n')
    .filter((l) => l.trim() !== '')
    .filter((l) => {
      try {
        return typeof (JSON.parse(l) as { msg?: unknown }).msg !== 'string';
      } catch {
        return true;
      }
    });

describe('results on stdout, logs on stderr', () => {
  let db: TestDatabase;
  let env: Record<string, string>;
  beforeAll(async () => {
    db = await createTestDatabase();
    await setUpFixture(db, 500);
    env = { DATABASE_URL: db.url, PGPHASE_PHASES: FIXTURE_PHASES_FILE };
  });
  afterAll(() => db?.drop());

  const commands: [string[], RegExp][] = [
    [['migrate'], /procedures up to date|no migrations to apply|applied \d+ migration/],
    [['migrate', '--dry-run'], /nothing to do|would/i],
    [['status'], /run|migrations/i],
    [['run', '--workers', '1'], /rows in|run \d+/i],
    [['report'], /run \d+/],
    [['quarantine', 'list'], /quarantined row\(s\)/],
    [['quarantine', 'replay'], /replayed \d+ row\(s\)/],
    [['doctor'], /doctor: /],
    [['config'], /databaseUrl/],
  ];
  it.each(commands)('pgphase %s: the result on stdout, only log lines on stderr', async (args, result) => {
    const r = await runCli(args, env);
    expect([0, 1], `${args.join(' ')}: ${r.stderr}`).toContain(r.code);
    expect(r.stdout).toMatch(result);
    expect(logLinesOnly(r.stderr), 'stderr lines that are not log lines').toEqual([]);
  });
});
