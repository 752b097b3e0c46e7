/**
 * Run ids, partition ids and quarantine ids are bigints, and "the newest" is the highest number:
 * with 12 runs, `report`, `report --html`, `status` and `run` (resume) pick run 12, and lists
 * come in numeric order. An unqualified `ORDER BY id` after `SELECT id::text` sorts the text
 * output column instead ('9' after '11'), which is what these guard against.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPipeline } from '../../runner/run/runPipeline.js';
import { runCli } from '../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { FIXTURE_PHASES_FILE, fixturePhases, setUpFixture } from '../support/runnerFixture.js';

describe('the newest run is the highest id, compared as numbers', () => {
  let db: TestDatabase;
  let env: Record<string, string>;
  const ids: string[] = [];
  beforeAll(async () => {
    db = await createTestDatabase();
    await setUpFixture(db, 300);
    env = { DATABASE_URL: db.url, PGPHASE_PHASES: FIXTURE_PHASES_FILE };
    for (let i = 0; i < 12; i++) {
      const report = await runPipeline({ url: db.url, phaseList: fixturePhases(), workers: 1, fresh: true, health: { enabled: false } });
      expect(report.status).toBe('done');
      ids.push(report.runId);
    }
  });
  afterAll(() => db?.drop());

  it('report, report --html and status pick run 12 of 12', async () => {
    const newest = ids.at(-1)!;
    expect(newest).toBe('12');
    const stored = await runCli(['report', '--json'], env);
    expect(stored.code, stored.stderr).toBe(0);
    expect(JSON.parse(stored.stdout)).toMatchObject({ runId: newest });
    const file = join(mkdtempSync(join(tmpdir(), 'pgphase-newest-')), 'report.html');
    const html = await runCli(['report', '--html', file, '--json'], env);
    expect(html.code, html.stderr).toBe(0);
    expect(JSON.parse(html.stdout)).toMatchObject({ runId: newest });
    expect(readFileSync(file, 'utf8')).toContain(`run ${newest}`);
    const status = await runCli(['status'], env);
    expect(status.stdout.match(/run (\d+) \[copy\]/)?.[1]).toBe(newest);
  });

  it('resumes the highest-numbered unfinished run, and lists quarantined rows in numeric order', async () => {
    // Runs 9 and 12 unfinished: the resume takes 12.
    await db.query(`UPDATE pgphase.runs SET status = 'running', finished_at = NULL WHERE id IN (9, 12)`);
    await db.query(`UPDATE pgphase.partitions SET status = 'pending' WHERE run_id IN (9, 12)`);
    const resumed = await runPipeline({ url: db.url, phaseList: fixturePhases(), workers: 1, health: { enabled: false }, fresh: false }).catch((e: Error) => e);
    expect(resumed).not.toBeInstanceOf(Error);
    expect(resumed).toMatchObject({ runId: '12', resumed: true });

    await db.query(
      `INSERT INTO pgphase.quarantine (source_table, source_id, reason_code, raw_row, run_id)
       SELECT 'fixture.src', i, 'test', '{}', 12 FROM generate_series(1, 12) i`,
    );
    const listed = await runCli(['quarantine', 'list', '--json', '--limit', '12'], env);
    expect(listed.code, listed.stderr).toBe(0);
    const rows = (JSON.parse(listed.stdout) as { rows: { sourceId: string }[] }).rows.map((r) => Number(r.sourceId));
    expect(rows).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });
});
