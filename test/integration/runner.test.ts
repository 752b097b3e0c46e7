/**
 * The runner against real faults on a real PostgreSQL, with a fixture phase whose destination
 * has no unique key, so that any batch applied twice shows up as a duplicate row.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runPipeline } from '../../runner/run/runPipeline.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { copyDefects, fixturePhases, setUpFixture } from '../support/runnerFixture.js';

const ROWS = 20_000;

describe('runner', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
    await setUpFixture(db, ROWS);
  });
  afterAll(() => db.drop());
  beforeEach(async () => {
    await db.query('TRUNCATE fixture.dst');
    await db.query(`ALTER DATABASE ${db.name} RESET fixture.sleep_ms`);
  });

  const run = (workers: number, extra: Partial<Parameters<typeof runPipeline>[0]> = {}) =>
    runPipeline({ url: db.url, phaseList: fixturePhases(), workers, fresh: true, batch: { initial: 500, min: 50, max: 5_000, targetMs: 200 }, ...extra });

  it('1, 2 and 4 workers produce exactly the same rows, each source row once', async () => {
    const results: string[] = [];
    for (const workers of [1, 2, 4]) {
      await db.query('TRUNCATE fixture.dst');
      const report = await run(workers);
      expect(report.status).toBe('done');
      // Every worker gets work: claiming must not hide partitions from the other workers.
      const [claimers] = await db.query<{ n: number }>(`SELECT count(DISTINCT claimed_by)::int AS n FROM pgphase.partitions WHERE run_id = $1`, [report.runId]);
      expect(claimers!.n).toBe(workers);
      expect(report.phases[0]).toMatchObject({ rowsIn: ROWS, written: ROWS, partitions: { failed: 0 } });
      expect(await copyDefects(db)).toEqual({ missing: 0, duplicated: 0, copied: ROWS });
      const [h] = await db.query<{ h: string }>(`SELECT md5(string_agg(src_id || ':' || v, ',' ORDER BY src_id)) AS h FROM fixture.dst`);
      results.push(h!.h);
    }
    expect(new Set(results).size).toBe(1);
  });

  it('plans partitions of about equal row counts over skewed ids, covering the key space once', async () => {
    const report = await run(2);
    const parts = await db.query<{ lo: string; hi: string; rows_in: string }>(`SELECT lo, hi, rows_in FROM pgphase.partitions WHERE run_id = $1 ORDER BY lo`, [
      report.runId,
    ]);
    expect(parts.length).toBeGreaterThan(2);
    for (let i = 1; i < parts.length; i++) expect(BigInt(parts[i]!.lo)).toBe(BigInt(parts[i - 1]!.hi) + 1n);
    const counts = parts.map((p) => Number(p.rows_in));
    const mean = ROWS / parts.length;
    expect(Math.max(...counts)).toBeLessThan(mean * 2);
  });

  it('a permanent error fails only its partition; the others finish and the run reports why', async () => {
    await db.query(`UPDATE fixture.src SET v = 'boom' WHERE id = 7777`);
    try {
      const report = await run(2);
      expect(report.status).toBe('failed');
      expect(report.failedPartitions).toHaveLength(1);
      expect(report.failedPartitions[0]).toMatchObject({ table: 'fixture.src', sqlstate: 'P0001' });
      expect(report.failedPartitions[0]!.error).toMatch(/poison row/);
      const f = report.failedPartitions[0]!;
      const defects = await copyDefects(db);
      expect(defects.duplicated).toBe(0);
      // Everything outside the failed partition was copied.
      const [outside] = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM fixture.src s WHERE (s.id < $1 OR s.id > $2) AND NOT EXISTS (SELECT 1 FROM fixture.dst d WHERE d.src_id = s.id)`,
        [f.lo, f.hi],
      );
      expect(outside!.n).toBe(0);
      expect(report.phases[0]!.errorsBySqlstate).toMatchObject({ P0001: 1 });
    } finally {
      await db.query(`UPDATE fixture.src SET v = 'v7777' WHERE id = 7777`);
    }
  });

  it('retries a batch whose backend was terminated mid-run, and finishes exactly once', async () => {
    await db.query(`ALTER DATABASE ${db.name} SET fixture.sleep_ms = 20`);
    const pending = run(2, { batch: { initial: 100, min: 50, max: 100, targetMs: 100 } });
    let killed = 0;
    for (let i = 0; i < 40 && killed < 3; i++) {
      await new Promise((r) => setTimeout(r, 150));
      const rows = await db.query<{ ok: boolean }>(
        `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity
          WHERE datname = current_database() AND application_name LIKE 'pgphase run%' AND state = 'active' AND query LIKE 'CALL %' LIMIT 1`,
      );
      killed += rows.filter((r) => r.ok).length;
    }
    const report = await pending;
    expect(killed).toBeGreaterThan(0);
    expect(report.status).toBe('done');
    expect(report.phases[0]!.retries).toBeGreaterThan(0);
    expect(await copyDefects(db)).toEqual({ missing: 0, duplicated: 0, copied: ROWS });
  });

  it('two runner processes on one run share the partitions and never process one twice', async () => {
    await db.query(`ALTER DATABASE ${db.name} SET fixture.sleep_ms = 20`);
    const batch = { initial: 100, min: 50, max: 100, targetMs: 100 };
    const first = runPipeline({ url: db.url, phaseList: fixturePhases(), workers: 2, fresh: true, batch });
    // Start the second process once the first is under way (its run exists and has progress).
    for (let i = 0; i < 200; i++) {
      const [r] = await db.query<{ n: number }>(
        `SELECT coalesce(sum(rows_in), 0)::int AS n FROM pgphase.partitions p JOIN pgphase.runs r ON r.id = p.run_id WHERE r.status = 'running'`,
      );
      if (r!.n > 0) break;
      await new Promise((res) => setTimeout(res, 25));
    }
    const second = runPipeline({ url: db.url, phaseList: fixturePhases(), workers: 2, batch });
    const [a, b] = await Promise.all([first, second]);
    expect(b.resumed).toBe(true);
    expect(b.runId).toBe(a.runId);
    expect(await copyDefects(db)).toEqual({ missing: 0, duplicated: 0, copied: ROWS });
    const claimers = await db.query<{ n: number }>(
      `SELECT count(DISTINCT split_part(claimed_by, ':w', 1))::int AS n FROM pgphase.partitions WHERE run_id = $1 AND claimed_by IS NOT NULL
       UNION ALL SELECT count(DISTINCT run_id)::int FROM fixture.dst`,
      [a.runId],
    );
    expect(claimers[0]!.n).toBe(2); // both processes claimed partitions
    expect(claimers.at(-1)!.n).toBe(1);
    const [sum] = await db.query<{ n: string }>(`SELECT sum(rows_in)::text AS n FROM pgphase.partitions WHERE run_id = $1`, [a.runId]);
    expect(Number(sum!.n)).toBe(ROWS);
  });
});
