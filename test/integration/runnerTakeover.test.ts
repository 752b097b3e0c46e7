/**
 * The cursor guard of a batch's ledger update (`next_key = $2 AND status = 'running'` in
 * runner/run/ledger.ts runBatch) against a real takeover: a worker's session loses its partition
 * lock while the worker is alive and mid-batch, a second worker claims the partition and carries
 * on from the same key, and then the first worker's batch reaches its cursor update. That update
 * must match no row, the batch must roll back, and the first worker must leave the partition:
 * every source row is copied once (the destination has no unique key, so a batch applied twice
 * shows up as duplicate rows) and the ledger counts every row once.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Log } from '../../runner/log.js';
import { runPipeline } from '../../runner/run/runPipeline.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { copyDefects, setUpFixture } from '../support/runnerFixture.js';

const ROWS = 4_000;

describe('a partition taken over while its first worker is alive', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
    await setUpFixture(db, ROWS);
    await db.query(await readFile(join(process.cwd(), 'test', 'fixtures', 'runner', 'takeover.sql'), 'utf8'));
    // The third batch of the run (a worker mid-partition) loses its lock.
    await db.query(`INSERT INTO fixture.takeover_at VALUES (3)`);
  });
  afterAll(() => db.drop());

  it("the first worker's batch rolls back on the cursor guard, it leaves the partition, and every row is applied once", async () => {
    const warnings: string[] = [];
    const log: Log = { debug: () => {}, info: () => {}, error: () => {}, warn: (m) => warnings.push(m) };
    const report = await runPipeline({
      url: db.url,
      workers: 2,
      fresh: true,
      log,
      batch: { initial: 100, min: 100, max: 100, targetMs: 1_000 },
      phaseList: [
        {
          name: 'copy',
          description: 'fixture: copy, losing a lock once',
          dependsOn: [],
          steps: [{ source: 'fixture.src', procedure: 'fixture.copy_rows_losing_lock', key: 'id' }],
        },
      ],
    });
    // Exactly once, in the data and in the ledger.
    expect(await copyDefects(db)).toEqual({ missing: 0, duplicated: 0, copied: ROWS });
    const [ledger] = await db.query<{ rows_in: number }>(`SELECT sum(rows_in)::int AS rows_in FROM pgphase.partitions WHERE run_id = $1`, [report.runId]);
    expect(ledger!.rows_in).toBe(ROWS);
    expect(report.status).toBe('done');
    // The takeover happened: one partition was claimed twice, and its first worker was told so.
    const parts = await db.query<{ id: string; attempts: number }>(`SELECT id::text, attempts FROM pgphase.partitions WHERE run_id = $1 AND attempts > 1`, [
      report.runId,
    ]);
    expect(parts).toHaveLength(1);
    expect(warnings).toContain(`partition ${parts[0]!.id} was taken over by another worker`);
  });
});
