/**
 * Secrets: with a known password in DATABASE_URL (a role created on the test server, with
 * characters that URL-encoding changes), every command a deploy pipeline runs — migrate, status,
 * run --json, quarantine list, and commands that fail, plain and --verbose, in both log formats —
 * prints neither the password nor its URL-encoded form on stdout or stderr, and the ledger
 * (pgphase.runs options and report, steps, partitions) does not store it.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redact } from '../../runner/errors.js';
import { runCli, type CliResult } from '../support/cli.js';
import { admin, createTestDatabase, type TestDatabase } from '../support/db.js';
import { FIXTURE_PHASES_FILE, setUpFixture } from '../support/runnerFixture.js';

/** A unique marker inside a password that URL-encoding, JSON and SQL quoting all change. */
const MARKER = randomBytes(8).toString('hex');
const PASSWORD = `S3c/ret:p@ss%w0rd#é'${MARKER}"&=?`;
const FORMS = [PASSWORD, encodeURIComponent(PASSWORD), encodeURI(PASSWORD), MARKER];

function expectNoSecret(label: string, text: string): void {
  for (const form of FORMS) expect(text.includes(form), `${label} leaks ${JSON.stringify(form)}:\n${text.slice(0, 2000)}`).toBe(false);
}

describe('the password in DATABASE_URL', () => {
  let db: TestDatabase;
  let url: string;
  const role = `pgphase_t_secret_${randomBytes(4).toString('hex')}`;
  const outputs: { label: string; result: CliResult }[] = [];
  const cli = async (label: string, args: string[], env: Record<string, string> = {}) => {
    const result = await runCli(args, { DATABASE_URL: url, PGPHASE_PHASES: FIXTURE_PHASES_FILE, ...env });
    outputs.push({ label, result });
    return result;
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    await setUpFixture(db, 3_000);
    await db.query(`UPDATE fixture.src SET v = 'boom' WHERE id = 2000`); // one partition fails
    // A superuser, so that the role can run every command; it lives only for this file.
    await admin((c) => c.query(`CREATE ROLE ${role} LOGIN SUPERUSER PASSWORD ${c.escapeLiteral(PASSWORD)}`));
    const u = new URL(db.url);
    u.username = role;
    u.password = encodeURIComponent(PASSWORD);
    url = u.toString();
    // The URL really carries the password, encoded, and it really connects.
    expect(url).toContain(encodeURIComponent(PASSWORD));
    const check = new pg.Client({ connectionString: url });
    await check.connect();
    await check.end();
  });
  afterAll(async () => {
    await db.drop();
    await admin((c) => c.query(`DROP ROLE IF EXISTS ${role}`));
  });

  it('is never printed by migrate, status, run --json, quarantine list, or the commands that fail', async () => {
    const ok = await Promise.all([
      cli('migrate', ['migrate']),
      cli('migrate --json --verbose', ['migrate', '--json', '--verbose']),
      cli('status', ['status']),
      cli('status --json', ['status', '--json'], { PGPHASE_LOG: 'pretty' }),
    ]);
    for (const r of ok) expect(r.code, r.stderr).toBe(0);

    const run = await cli('run --json --verbose', ['run', '--json', '--verbose', '--workers', '2', '--batch-initial', '500']);
    expect(run.code, run.stderr).toBe(1); // the poison row fails its partition: a failing command
    expect(JSON.parse(run.stdout)).toMatchObject({ status: 'failed', failedPartitions: [{ sqlstate: 'P0001' }] });

    const rest = await Promise.all([
      cli('run (pretty log)', ['run', '--new', '--workers', '1'], { PGPHASE_LOG: 'pretty' }),
      cli('quarantine list', ['quarantine', 'list']),
      cli('quarantine list --json', ['quarantine', 'list', '--json']),
      cli('unreachable --verbose', ['status', '--verbose'], { DATABASE_URL: url.replace(/:\d+\//, ':1/') }),
      cli('no such database --verbose', ['migrate', '--verbose'], { DATABASE_URL: url.replace(/\/[^/]+$/, '/pgphase_t_absent') }),
      cli('invalid URL --verbose', ['run', '--verbose'], { DATABASE_URL: url.replace(/:\d+\//, ':99999/') }),
      cli('bad config', ['migrate'], { PGPHASE_LOCK_TIMEOUT: 'soon' }),
      cli('unknown phase', ['run', 'nope', '--verbose']),
    ]);
    expect(rest.map((r) => r.code)).toEqual([1, 0, 0, 3, 3, 2, 2, 2]);
    expect((await cli('status after a failed run', ['status', '--verbose'])).code).toBe(1);
    expect(outputs).toHaveLength(14);
    for (const { label, result } of outputs) {
      expectNoSecret(`${label} stdout`, result.stdout);
      expectNoSecret(`${label} stderr`, result.stderr);
    }
  });

  it('is not stored in the ledger: run options, reports, steps, partitions', async () => {
    const [ledger] = await db.query<{ runs: number; text: string }>(
      `SELECT (SELECT count(*) FROM pgphase.runs)::int AS runs,
              (SELECT string_agg(concat_ws(' ', r::text), E'\\n') FROM pgphase.runs r)
              || (SELECT string_agg(s::text, E'\\n') FROM pgphase.run_steps s)
              || (SELECT string_agg(p::text, E'\\n') FROM pgphase.partitions p) AS text`,
    );
    expect(ledger!.runs).toBeGreaterThanOrEqual(2);
    expect(ledger!.text).toMatch(/poison row/); // the failure is recorded, without the secret
    expectNoSecret('pipeline ledger', ledger!.text);
  });

  it('is removed by redact() from every form of connection string a message may carry', () => {
    const samples = [
      `could not connect to postgres://${encodeURIComponent('u')}:${encodeURIComponent(PASSWORD)}@db:5432/x`,
      `POSTGRESQL://u:${encodeURIComponent(PASSWORD)}@db/x?sslmode=require`,
      `host=db user=u password=${encodeURIComponent(PASSWORD)} dbname=x`,
      `postgres://:${encodeURIComponent(PASSWORD)}@db/x`,
    ];
    for (const s of samples) expectNoSecret(s, redact(s));
  });
});
