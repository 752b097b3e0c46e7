/**
 * Planning a step reads the key's histogram: it ANALYZEs the source when its statistics are
 * missing or stale (more than a tenth of the rows changed since), and only then: every worker
 * waits while a step is planned.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPipeline } from '../../runner/run/runPipeline.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { copyDefects, fixturePhases, setUpFixture } from '../support/runnerFixture.js';

const ROWS = 20_000;

describe('planning statistics', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
    await setUpFixture(db, 0);
    // The rows' insert counts reach pg_stat_user_tables at once (statistics are otherwise flushed
    // up to seconds later: after the planner's ANALYZE they would count as changes since it).
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      await client.query('SELECT pg_stat_force_next_flush()');
      await client.query(`INSERT INTO fixture.src (id, v) SELECT i, 'v' || i FROM generate_series(1, $1::int) i`, [ROWS]);
    } finally {
      await client.end();
    }
  });
  afterAll(() => db.drop());

  const run = () =>
    runPipeline({
      url: db.url,
      phaseList: fixturePhases(),
      workers: 2,
      fresh: true,
      split: false,
      batch: { initial: 500, min: 50, max: 5_000, targetMs: 200 },
    });
  const analyzed = async () =>
    (await db.query<{ n: number }>(`SELECT analyze_count::int AS n FROM pg_stat_user_tables WHERE relid = 'fixture.src'::regclass`))[0]!.n;
  /** Rows per partition of a run, and their mean. */
  const balance = async (runId: string) => {
    const rows = (await db.query<{ n: number }>('SELECT rows_in::int AS n FROM pgphase.partitions WHERE run_id = $1', [runId])).map((r) => r.n);
    return { max: Math.max(...rows), mean: rows.reduce((a, b) => a + b, 0) / rows.length };
  };

  it('analyzes a table without statistics, and not again while they are current', async () => {
    const before = await analyzed();
    const first = await run();
    expect(first.status).toBe('done');
    expect(await analyzed()).toBe(before + 1);
    await db.query('TRUNCATE fixture.dst');
    const second = await run();
    expect(second.status).toBe('done');
    expect(await analyzed()).toBe(before + 1);
    expect(await copyDefects(db)).toEqual({ missing: 0, duplicated: 0, copied: ROWS });
  });

  it('analyzes again once more than a tenth of the rows changed, so partitions stay balanced', async () => {
    // Three times the rows, all above the old maximum: by the old histogram they would all fall
    // into the last partition.
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      await client.query('SELECT pg_stat_force_next_flush()');
      await client.query(`INSERT INTO fixture.src (id, v) SELECT 5000000 + i, 'n' || i FROM generate_series(1, $1::int) i`, [3 * ROWS]);
    } finally {
      await client.end();
    }
    await db.query('TRUNCATE fixture.dst');
    const before = await analyzed();
    const report = await run();
    expect(report.status).toBe('done');
    expect(await analyzed()).toBe(before + 1);
    const { max, mean } = await balance(report.runId);
    expect(max).toBeLessThan(mean * 2);
    expect(await copyDefects(db)).toEqual({ missing: 0, duplicated: 0, copied: 4 * ROWS });
  });
});
