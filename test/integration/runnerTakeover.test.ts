/**
 * The cursor guard of a batch (runner/run/batch.ts, runBatch: the partition's row is locked first,
 * with the cursor and status the worker expects) against a real takeover: a worker's session
 * loses its partition lock between two of its batches while the worker is alive, a second worker
 * claims the partition and carries on from the same key, and then the first worker starts its
 * next batch. That batch must write nothing and say the partition was taken over: every source
 * row is copied once (the destination has no unique key, so a batch applied twice shows up as
 * duplicate rows) and the ledger counts every row once. While a batch runs, the partition cannot
 * be taken over at all: claiming skips a locked row.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { advanceRun, claimPartition, createOrResumeRun, finishPartition, LostPartitionError, runBatch } from '../../runner/run/ledger.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { copyDefects, fixturePhases, setUpFixture } from '../support/runnerFixture.js';

const ROWS = 4_000;

describe('a partition taken over while its first worker is alive', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
    await setUpFixture(db, ROWS);
  });
  afterAll(() => db.drop());

  it("the first worker's next batch writes nothing and finds the partition taken over; every row is applied once", async () => {
    const first = new pg.Client({ connectionString: db.url });
    const second = new pg.Client({ connectionString: db.url });
    await Promise.all([first.connect(), second.connect()]);
    try {
      const { runId } = await createOrResumeRun(first, fixturePhases(), { fresh: true, settings: {}, createdBy: 'test' });
      await advanceRun(first, runId, () => 1);
      const mine = (await claimPartition(first, runId, 'first'))!;
      const one = await runBatch(first, mine, runId, BigInt(mine.next_key), 1_000);
      // While a batch of the first worker runs, nobody can take the partition over, even with its
      // advisory lock gone: this batch releases it (as a session that lost it would) and sleeps,
      // and claiming skips the partition's locked row.
      await first.query(`SELECT set_config('fixture.sleep_ms', '400', false), set_config('fixture.lose_lock', 'on', false)`);
      const slow = runBatch(first, mine, runId, one.range.hi + 1n, 500);
      await new Promise((r) => setTimeout(r, 150));
      expect(await claimPartition(second, runId, 'second')).toBeNull();
      const two = await slow;
      await first.query(`SELECT set_config('fixture.sleep_ms', '0', false), set_config('fixture.lose_lock', 'off', false)`);
      // Between batches, with the first worker's lock gone, the second worker reclaims the
      // partition and moves it on.
      const taken = await claimPartition(second, runId, 'second');
      expect(taken).toMatchObject({ id: mine.id, reclaimed: true, next_key: String(two.range.hi + 1n) });
      let cursor = BigInt(taken!.next_key);
      for (;;) {
        const b = await runBatch(second, taken!, runId, cursor, 1_000);
        cursor = b.range.hi + 1n;
        if (cursor > b.hi) break;
      }
      await finishPartition(second, taken!.id, { status: 'done' });
      // The first worker's next batch, from where it left off.
      await expect(runBatch(first, mine, runId, two.range.hi + 1n, 1_000)).rejects.toBeInstanceOf(LostPartitionError);
      expect(await copyDefects(db)).toEqual({ missing: 0, duplicated: 0, copied: ROWS });
      const [ledger] = await db.query<{ rows_in: number; attempts: number }>(
        `SELECT sum(rows_in)::int AS rows_in, max(attempts)::int AS attempts FROM pgphase.partitions WHERE run_id = $1`,
        [runId],
      );
      expect(ledger).toEqual({ rows_in: ROWS, attempts: 2 });
    } finally {
      await Promise.all([first.end(), second.end()]);
    }
  });
});
