/**
 * Incremental runs: a step declared `"incremental": true` goes over the keys its source gained
 * since the step last finished (the highest key it covered, kept in run_steps.to_key), so rows
 * appended between runs are processed once and the rest not again; `--full` goes over the whole
 * source, `--incremental` makes every step incremental. The fixture's target has no unique key:
 * a row processed twice shows up as a duplicate.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRowTotals } from '../../runner/ledger/runReads.js';
import { runCli } from '../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { copyDefects, FIXTURE_PHASES_FILE, setUpFixture } from '../support/runnerFixture.js';

describe('incremental runs', () => {
  let db: TestDatabase;
  const dir = mkdtempSync(join(tmpdir(), 'pgphase-incr-'));
  const phases = join(dir, 'phases.json');
  const run = async (args: string[], file = phases) => {
    const r = await runCli(['run', '--new', '--workers', '2', '--json', ...args], { DATABASE_URL: db.url, PGPHASE_PHASES: file });
    expect(r.code, r.stderr).toBe(0);
    return { report: JSON.parse(r.stdout) as { phases: { rowsIn: number }[]; runId: string }, stderr: r.stderr };
  };
  const append = (from: number, n: number) =>
    db.query(`INSERT INTO fixture.src (id, v) SELECT 2000000 + $1::int + i, 'new ' || i FROM generate_series(1, $2::int) i`, [from, n]);
  beforeAll(async () => {
    db = await createTestDatabase();
    await setUpFixture(db, 1_000);
    writeFileSync(
      phases,
      JSON.stringify([
        { name: 'copy', description: 'incremental copy', steps: [{ source: 'fixture.src', procedure: 'fixture.copy_rows', key: 'id', incremental: true }] },
      ]),
    );
    const migrated = await runCli(['migrate'], { DATABASE_URL: db.url, PGPHASE_PHASES: phases });
    expect(migrated.code, migrated.stderr).toBe(0);
  });
  afterAll(() => db?.drop());

  it('processes only the rows appended since the last finished run, then nothing, then everything with --full', async () => {
    const first = await run([]);
    expect(first.report.phases[0]).toMatchObject({ rowsIn: 1_000 });
    expect(first.stderr).toMatch(/copy · fixture\.src: the whole source \(it never finished before\)/);

    // The progress total is the planned row count: all of it first, then the appended share.
    const totals = async (runId: string) => {
      const c = await db.pool.connect();
      try {
        return await runRowTotals(c, runId);
      } finally {
        c.release();
      }
    };
    expect(await totals(first.report.runId)).toEqual({ planned: 1_000, read: 1_000 });
    await append(0, 200);
    const second = await run([]);
    expect(second.report.phases[0]).toMatchObject({ rowsIn: 200 });
    const { planned } = await totals(second.report.runId);
    expect(planned).toBe(200); // the rows above the mark, counted: not the table's 1,200
    expect(second.stderr).toMatch(/copy · fixture\.src: incremental, keys above 1097000 \(where it last finished\)/);
    expect(await copyDefects(db)).toEqual({ missing: 0, duplicated: 0, copied: 1_200 });

    const third = await run([]);
    expect(third.report.phases[0]).toMatchObject({ rowsIn: 0 });
    expect(third.stderr).toMatch(/incremental, keys above 2000200 /);
    await append(200, 50);
    const fourth = await run([]); // the empty run kept the mark
    expect(fourth.report.phases[0]).toMatchObject({ rowsIn: 50 });
    expect(await copyDefects(db)).toEqual({ missing: 0, duplicated: 0, copied: 1_250 });

    const full = await run(['--full']);
    expect(full.report.phases[0]).toMatchObject({ rowsIn: 1_250 });
    expect(full.stderr).not.toMatch(/incremental, keys above/);
    expect(await copyDefects(db)).toMatchObject({ missing: 0, duplicated: 1_250 });
  });

  it('--incremental makes a step incremental that does not declare it; --full and --incremental exclude each other', async () => {
    await db.query('TRUNCATE fixture.dst');
    await append(250, 10);
    const r = await run(['--incremental'], FIXTURE_PHASES_FILE);
    expect(r.report.phases[0]).toMatchObject({ rowsIn: 10 }); // above the mark the --full run reached
    const both = await runCli(['run', '--full', '--incremental'], { DATABASE_URL: db.url, PGPHASE_PHASES: phases });
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--full and --incremental exclude each other/);
  });
});
