/**
 * A DBA's defaults do not change pgphase's results. Two databases on the test server, one stock
 * and one whose defaults are a DBA's (another time zone with a 45-minute offset, `DateStyle 'SQL,
 * DMY'`, `IntervalStyle sql_standard`, `extra_float_digits 0`, serializable by default, JIT on,
 * a search_path without public, role-level statement and lock timeouts), get the same raw rows;
 * migrate, both phases (two workers), the curated blue-green promote and a quarantine replay run
 * on each; every staging and curated table and the quarantine must then hold the same rows (read
 * back under one set of session settings), the runs the same counts, and the hostile run no retry;
 * `status` reads its runs' dates there too.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promote } from '../../runner/bluegreen/operations.js';
import { migrate } from '../../runner/migrate/migrate.js';
import { generate } from '../../runner/odds/generate.js';
import { PHASES } from '../../runner/odds/phases.js';
import { replayQuarantine } from '../../runner/run/quarantine.js';
import { runPipeline } from '../../runner/run/runPipeline.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { tableChecksums } from '../support/tableChecksums.js';
import { runCli } from '../support/cli.js';

const RAW_TABLES = ['games', 'moneylines', 'spreads', 'totals'];
/** How both databases are read back, so that the text of a timestamp or a float compares. */
const READ_BACK = '-c TimeZone=UTC -c DateStyle=ISO,MDY -c IntervalStyle=postgres -c extra_float_digits=1 -c search_path=public';

const HOSTILE_DATABASE_SETTINGS = {
  TimeZone: 'Asia/Kathmandu',
  DateStyle: 'SQL, DMY',
  IntervalStyle: 'sql_standard',
  extra_float_digits: '0',
  default_transaction_isolation: 'serializable',
  jit: 'on',
};
/** search_path is a list: written as one, without quotes around the whole. */
const HOSTILE_SEARCH_PATH = '"$user", pg_catalog';
const HOSTILE_ROLE_SETTINGS = { statement_timeout: '20s', lock_timeout: '500ms', idle_in_transaction_session_timeout: '5s' };

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>, options?: string): Promise<T> {
  const client = new pg.Client({ connectionString: url, ...(options ? { options } : {}) });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Migrate, both phases, promote, replay: what a deploy and its operator do. */
async function pipeline(db: TestDatabase) {
  await migrate({ url: db.url, config: db.config() });
  return db;
}

async function phasesAndReplay(db: TestDatabase) {
  const report = await runPipeline({ url: db.url, phaseList: PHASES, workers: 2, fresh: true, progress: 'none' });
  await promote({ url: db.url, config: db.config(), phase: 'curated', phaseList: PHASES });
  const replay = await withClient(db.url, (c) => replayQuarantine(c, { phases: PHASES.filter((p) => p.name === 'staging') }));
  const tables = await withClient(db.url, (c) => tableChecksums(c), READ_BACK);
  return {
    status: report.status,
    counts: report.phases.map((p) => ({ phase: p.phase, rowsIn: p.rowsIn, written: p.written, rejected: p.rejected })),
    retries: report.phases.reduce((n, p) => n + p.retries, 0),
    replay: { replayed: replay.replayed, written: replay.written, stillQuarantined: replay.stillQuarantined },
    tables,
  };
}

describe("a DBA's session defaults do not change pgphase's results", () => {
  let stock: TestDatabase;
  let hostile: TestDatabase;
  beforeAll(async () => {
    stock = await createTestDatabase({ empty: true });
    hostile = await createTestDatabase({ empty: true });
    for (const [name, value] of Object.entries(HOSTILE_DATABASE_SETTINGS)) await hostile.query(`ALTER DATABASE ${hostile.name} SET ${name} = '${value}'`);
    await hostile.query(`ALTER DATABASE ${hostile.name} SET search_path = ${HOSTILE_SEARCH_PATH}`);
    for (const [name, value] of Object.entries(HOSTILE_ROLE_SETTINGS))
      await hostile.query(`ALTER ROLE CURRENT_USER IN DATABASE ${hostile.name} SET ${name} = '${value}'`);
  });
  afterAll(async () => {
    await hostile?.query(`ALTER ROLE CURRENT_USER IN DATABASE ${hostile.name} RESET ALL`).catch(() => {});
    await stock?.drop();
    await hostile?.drop();
  });

  it('migrate, both phases, promote and quarantine replay give the same rows as on a stock database', async () => {
    await pipeline(stock);
    await pipeline(hostile);
    await generate(stock.url, { rows: 20_000, seed: 4_242, badRatio: 0.08 });
    // The same raw rows in both (copied: the input is not what is under test).
    for (const table of RAW_TABLES) {
      const rows = await withClient(
        stock.url,
        async (c) => (await c.query<{ j: string }>(`SELECT json_agg(t ORDER BY id)::text AS j FROM raw.${table} t`)).rows[0]!.j,
      );
      await withClient(hostile.url, (c) => c.query(`INSERT INTO raw.${table} SELECT * FROM json_populate_recordset(NULL::raw.${table}, $1::json)`, [rows]));
    }
    const settings = await withClient(
      hostile.url,
      async (c) =>
        (
          await c.query<{ tz: string; iso: string; sp: string; st: string }>(
            `SELECT current_setting('TimeZone') AS tz, current_setting('default_transaction_isolation') AS iso,
                current_setting('search_path') AS sp, current_setting('statement_timeout') AS st`,
          )
        ).rows[0],
    );
    expect(settings).toEqual({ tz: 'Asia/Kathmandu', iso: 'serializable', sp: HOSTILE_SEARCH_PATH, st: '20s' });

    const expected = await phasesAndReplay(stock);
    const actual = await phasesAndReplay(hostile);
    expect(expected.status).toBe('done');
    expect(expected.tables['staging.moneylines']!.rows).toBeGreaterThan(1_000);
    expect(expected.tables['pgphase.quarantine']!.rows).toBeGreaterThan(100);
    expect(expected.tables['curated.game_features']!.rows).toBeGreaterThan(10);
    expect(expected.replay.replayed).toBeGreaterThan(100);
    expect(actual.retries).toBe(0);
    expect({ ...actual, retries: 0 }).toEqual({ ...expected, retries: 0 });

    // node-postgres reads ISO dates only: under DateStyle 'SQL, DMY' pgphase's sessions ask for ISO output.
    const status = await runCli(['status', '--json'], { DATABASE_URL: hostile.url });
    expect(status.stderr).not.toMatch(/error/i);
    expect(status.code).toBe(0);
    const runs = (JSON.parse(status.stdout) as { runs: { startedAt: string | null; finishedAt: string | null }[] }).runs;
    expect(runs.length).toBeGreaterThan(0);
    for (const run of runs) expect(run.startedAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  }, 300_000);
});
