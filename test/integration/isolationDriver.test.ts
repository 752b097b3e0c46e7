/**
 * The generic isolation driver (pgphase.isolate) on a toy phase that is only a classification
 * and a target (test/fixtures/toy, not the odds warehouse), run by the runner:
 * - a planted unique-constraint violation, which the classification did not foresee, is
 *   quarantined as db_error with SQLSTATE 23505 while the batch's other rows are written, and
 *   the rows the classification rejects are quarantined with their reason;
 * - a planted transient error (40001) is re-raised, and the runner retries the batch; a planted
 *   privilege error (42501) is re-raised too, and fails its partition instead of being quarantined;
 * - a second run over the same rows rewrites nothing and quarantines nothing new;
 * - the driver's SQLSTATE classes agree with the runner's table (runner/sqlstates.ts).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPhases } from '../../runner/phases.js';
import { listQuarantine } from '../../runner/run/quarantine.js';
import { runPipeline } from '../../runner/run/runPipeline.js';
import { classifySqlstate, SQLSTATES } from '../../runner/sqlstates.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

const TOY = join(process.cwd(), 'test', 'fixtures', 'toy');
const toyPhases = () => loadPhases(join(TOY, 'phases.json'));
const run = (db: TestDatabase) =>
  runPipeline({
    url: db.url,
    phaseList: toyPhases(),
    workers: 1,
    fresh: true,
    progress: 'none',
    batch: { initial: 1_000, min: 1_000, max: 1_000 },
    retry: { baseMs: 1, capMs: 5 },
  });

describe('a toy phase defined only by a classification and a target', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
    await db.query(await readFile(join(TOY, 'setup.sql'), 'utf8'));
  });
  afterAll(() => db.drop());

  it('quarantines a planted unique violation with SQLSTATE 23505 and writes the batch’s other rows', async () => {
    // ids 1-10: 7 repeats 3's code (a unique violation), 5 has a bad amount
    await db.query(`INSERT INTO toy.src (id, code, amount)
      SELECT i, CASE WHEN i = 7 THEN 'c3' ELSE 'c' || i END, CASE WHEN i = 5 THEN 'x' ELSE (i * 10)::text END FROM generate_series(1, 10) i`);
    const report = await run(db);
    expect(report.status).toBe('done');
    expect(report.phases[0]).toMatchObject({ rowsIn: 10, written: 8, rejected: 2 });
    // 7's batch (one per partition here) wrote its other rows
    const [batch] = await db.query<{ rows_in: number; written: number; batches: number }>(
      `SELECT rows_in::int, written::int, batches FROM pgphase.partitions WHERE 7 BETWEEN lo AND hi`,
    );
    expect(batch!.batches).toBe(1);
    expect(batch!.rows_in).toBeGreaterThan(1);
    expect(batch!.written).toBe(batch!.rows_in - 1);
    expect(await db.query(`SELECT source_raw_id::int AS id FROM toy.dst ORDER BY 1`)).toEqual([1, 2, 3, 4, 6, 8, 9, 10].map((id) => ({ id })));
    const quarantine = await db.query(
      `SELECT source_table, source_id::int AS id, reason_code, sqlstate, raw_row ->> 'code' AS code FROM pgphase.quarantine ORDER BY source_id`,
    );
    expect(quarantine).toEqual([
      { source_table: 'toy.src', id: 5, reason_code: 'bad_amount', sqlstate: null, code: 'c5' },
      { source_table: 'toy.src', id: 7, reason_code: 'db_error', sqlstate: '23505', code: 'c3' },
    ]);
    // The db_error names what it broke: the constraint, and the key's columns and values.
    expect(await db.query(`SELECT message, constraint_name FROM pgphase.quarantine WHERE source_id = 7`)).toEqual([
      { message: 'duplicate key value violates unique constraint "dst_code_key": Key (code)=(c3) already exists.', constraint_name: 'dst_code_key' },
    ]);
    const c = await db.pool.connect();
    try {
      const listed = await listQuarantine(c);
      expect(listed.byReason).toEqual(
        expect.arrayContaining([
          { reason: 'db_error', table: 'toy.src', rows: 1, constraint: 'dst_code_key' },
          { reason: 'bad_amount', table: 'toy.src', rows: 1 },
        ]),
      );
    } finally {
      c.release();
    }

    // Idempotent: a second run writes the same rows and keeps the same two in quarantine.
    const again = await run(db);
    expect(again.phases[0]).toMatchObject({ rowsIn: 10, written: 8, rejected: 2 });
    expect(await db.query(`SELECT count(*)::int AS n FROM toy.dst`)).toEqual([{ n: 8 }]);
    expect(await db.query(`SELECT source_id::int AS id, attempts FROM pgphase.quarantine ORDER BY 1`)).toEqual([
      { id: 5, attempts: 2 },
      { id: 7, attempts: 2 },
    ]);
  });

  it('re-raises a planted transient error, which the runner retries, and quarantines nothing for it', async () => {
    await db.query(`TRUNCATE toy.src, toy.dst, pgphase.quarantine`);
    await db.query(`ALTER DATABASE ${db.name} SET toy.faults = 1`);
    await db.query(`INSERT INTO toy.src (id, code, amount) VALUES (1, 'a', '1'), (2, 'raise', '2'), (3, 'b', '3')`);
    const report = await run(db);
    expect(report.status).toBe('done');
    expect(report.phases[0]).toMatchObject({ rowsIn: 3, written: 3, rejected: 0, retries: 1, errorsBySqlstate: { '40001': 1 } });
    expect(await db.query(`SELECT count(*)::int AS n FROM toy.dst`)).toEqual([{ n: 3 }]);
    expect(await db.query(`SELECT count(*)::int AS n FROM pgphase.quarantine`)).toEqual([{ n: 0 }]);
  });

  it('re-raises an error that is not about the data (42501): the partition fails with it, no row is quarantined as db_error', async () => {
    await db.query(`TRUNCATE toy.src, toy.dst, pgphase.quarantine`);
    await db.query(`INSERT INTO toy.src (id, code, amount) VALUES (1, 'a', '1'), (2, 'deny', '2'), (3, 'b', '3')`);
    const report = await run(db);
    expect(report.status).toBe('failed');
    expect(report.failedPartitions.map((f) => f.sqlstate)).toContain('42501');
    expect(await db.query(`SELECT count(*)::int AS n FROM pgphase.quarantine WHERE reason_code = 'db_error'`)).toEqual([{ n: 0 }]);
  });

  it('classes every SQLSTATE as the runner’s table does (the driver quarantines only data errors)', async () => {
    const listed = SQLSTATES.map((e) => (e.code.length === 2 ? `${e.code}000` : e.code));
    const codes = [...listed, '08006', '57P05', '53100', '58030', 'XX001', '23505', '23503', '22P02', '22003', 'P0001', '42601', '40002'];
    const rows = await db.query<{ code: string; class: string }>(`SELECT c AS code, pgphase.sqlstate_class(c) AS class FROM unnest($1::text[]) c`, [codes]);
    expect(Object.fromEntries(rows.map((r) => [r.code, r.class]))).toEqual(Object.fromEntries(codes.map((c) => [c, classifySqlstate(c)])));
  });
});
