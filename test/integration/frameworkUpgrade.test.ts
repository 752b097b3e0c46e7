/**
 * A database migrated by the landed version (no framework files 0002-0019; the ledger in pipeline.*, the
 * quarantine in staging.quarantine), with a finished run and a quarantine, upgrades in place:
 * migration 0010 moves the history into pgphase's own schema, `status` still shows the old run,
 * `quarantine list` still shows the rows, and `down --all` then `migrate` keeps both.
 */
import { cp, mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFrameworkFiles } from '../../runner/framework/install.js';
import { migrate } from '../../runner/migrate/migrate.js';
import { runCli } from '../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

const NO_PROCEDURES = join(process.cwd(), 'test', 'fixtures', 'no-procedures');
const OLD_REPORT = {
  runId: '7',
  status: 'done',
  phases: [{ phase: 'staging', rowsIn: 5, staged: 3, quarantined: 2, duplicates: 1, retries: 0, batchMs: { p50: 1.5, p95: 2 } }],
  rowsIn: 5,
  rowsPerSec: 50,
};

/** The application's migrations before this layout: those numbered before 0010_framework_state. */
async function oldMigrations(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pgphase-old-'));
  for (const name of await readdir('migrations')) {
    if (name < '0010_framework_state') await cp(join('migrations', name), join(dir, name));
  }
  return dir;
}

describe('a database migrated by pgphase 0.1', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ empty: true });
    // pgphase before this layout: its first framework file only (the ledger, quarantine, driver,
    // run controls, report series and blue-green versions came with it or after it).
    const framework = (await readFrameworkFiles()).filter((f) => f.name.startsWith('0001_'));
    await migrate({ url: db.url, config: db.config({ migrationsDir: await oldMigrations(), proceduresDir: NO_PROCEDURES }), framework });
    // What pgphase 0.1's runner left behind: a finished run of three steps and two quarantined rows.
    await db.query(`INSERT INTO pipeline.runs (id, phases, status, report, created_by, finished_at) VALUES (7, '{staging}', 'done', $1, 'old runner', now())`, [
      OLD_REPORT,
    ]);
    await db.query(
      `SELECT setval('pipeline.runs_id_seq', 7);
       INSERT INTO pipeline.run_steps (id, run_id, ordinal, phase, source_table, procedure, key_column, status)
       VALUES (70, 7, 0, 'staging', 'raw.games', 'staging.load_games', 'id', 'done');
       INSERT INTO pipeline.partitions (id, run_id, step_id, phase, source_table, lo, hi, next_key, status, rows_in, staged, quarantined, duplicates, batches, batch_ms)
       VALUES (700, 7, 70, 'staging', 'raw.games', 1, 5, 6, 'done', 5, 3, 2, 1, 1, '{2}');
       INSERT INTO staging.quarantine (source_table, source_id, reason_code, message, raw_row, run_id)
       VALUES ('raw.games', 4, 'missing_field', 'home_team is missing', '{"id": 4}', 7),
              ('raw.games', 5, 'duplicate_game', 'duplicate of raw.games 1', '{"id": 5}', 7);`,
    );
  });
  afterAll(() => db.drop());

  it('upgrades in place: status shows the old run, quarantine list its rows, and down --all then migrate keeps them', async () => {
    const env = { DATABASE_URL: db.url };
    const up = await runCli(['migrate'], env);
    expect(up.code, up.stderr).toBe(0);
    expect(await db.query(`SELECT to_regclass('pipeline.runs') AS runs, to_regclass('staging.quarantine') AS q`)).toEqual([{ runs: null, q: null }]);

    const shows = async () => {
      const status = await runCli(['status', '--json'], env);
      const runs = (JSON.parse(status.stdout) as { runs: { id: string; status: string; report: { phases: unknown[] } }[] }).runs;
      const list = await runCli(['quarantine', 'list', '--json'], env);
      expect(list.code, list.stderr).toBe(0);
      return { runs, quarantine: JSON.parse(list.stdout) as { total: number; rows: { sourceId: string; reason: string }[] } };
    };
    const check = async () => {
      const { runs, quarantine } = await shows();
      expect(runs.find((r) => r.id === '7')).toMatchObject({
        status: 'done',
        partitions: { total: 1, done: 1 },
        report: { phases: [{ phase: 'staging', rowsIn: 5, written: 3, rejected: 2, extras: { duplicates: 1 } }] },
      });
      expect(quarantine.total).toBe(2);
      expect(quarantine.rows.map((r) => [r.sourceId, r.reason])).toEqual([
        ['4', 'missing_field'],
        ['5', 'duplicate_game'],
      ]);
      const text = await runCli(['status'], env);
      expect(text.stdout).toMatch(/run 7 \[staging\] DONE .*1\/1 partitions done/);
      expect(text.stdout).toMatch(/staging\s+5 in, 3 written, 2 rejected, 1 duplicates/);
    };
    await check();
    // A new run's id follows the old ones.
    const [next] = await db.query<{ id: string }>(`INSERT INTO pgphase.runs (phases) VALUES ('{probe}') RETURNING id::text`);
    expect(Number(next!.id)).toBeGreaterThan(7);
    await db.query(`DELETE FROM pgphase.runs WHERE id = $1`, [next!.id]);

    const framework = await db.query('SELECT name, checksum FROM pgphase.framework_schema ORDER BY name');
    const downAll = await runCli(['down', '--all'], env);
    expect(downAll.code, downAll.stderr).toBe(0);
    expect(await db.query(`SELECT count(*)::int AS n FROM pg_namespace WHERE nspname IN ('raw', 'staging', 'curated', 'pipeline')`)).toEqual([{ n: 0 }]);
    const again = await runCli(['migrate'], env);
    expect(again.code, again.stderr).toBe(0);
    expect(await db.query('SELECT name, checksum FROM pgphase.framework_schema ORDER BY name')).toEqual(framework);
    await check();
  });
});
