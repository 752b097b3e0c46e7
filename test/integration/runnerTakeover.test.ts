/**
 * Takeover of a partition whose first worker is alive but whose lease expired (a process that
 * stopped heartbeating: a pause of the host, a network partition), against the two safeguards:
 * - the lease (runner/ledger/claim.ts): a running partition whose lease has not expired is not
 *   claimed by anyone else, and one whose batch is in flight is not claimed even when it has
 *   (claiming skips a locked row);
 * - the cursor guard of a batch (runner/run/batch.ts, runBatch: the partition's row is locked
 *   first, with the cursor and status the worker expects), which alone decides what is written:
 *   the first worker's next batch arrives while the partition is still running under its new
 *   owner, mid-way, and must be refused by the cursor alone (status and lease say nothing
 *   against it); and again once the new owner has finished it.
 * Every source row is copied once (the destination has no unique key, so a batch applied twice
 * shows up as duplicate rows) and the ledger counts every row once.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimPartition, createOrResumeRun, finishPartition } from '../../runner/ledger/index.js';
import { advanceRun } from '../../runner/run/advanceRun.js';
import { LostPartitionError, runBatch } from '../../runner/run/batch.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { copyDefects, fixturePhases, setUpFixture } from '../support/runnerFixture.js';

const ROWS = 4_000;
const LEASE = 60_000;

describe('a partition taken over while its first worker is alive', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
    await setUpFixture(db, ROWS);
  });
  afterAll(() => db.drop());

  /** The first worker's process stops heartbeating: its lease runs out. */
  const expire = (id: string) => db.query(`UPDATE pgphase.partitions SET lease_expires_at = now() - interval '1 second' WHERE id = $1`, [id]);

  it("is taken over only after its lease expired; the first worker's next batch is refused by the cursor alone, mid-way and after the end", async () => {
    const first = new pg.Client({ connectionString: db.url });
    const second = new pg.Client({ connectionString: db.url });
    await Promise.all([first.connect(), second.connect()]);
    try {
      const { runId } = await createOrResumeRun(first, fixturePhases(), { fresh: true, settings: {}, createdBy: 'test' });
      await advanceRun(first, runId, () => 1);
      const mine = (await claimPartition(first, runId, 'first', { owner: 'process-1', ms: LEASE }))!;
      const one = await runBatch(first, mine, runId, BigInt(mine.next_key), 1_000);
      // Between batches, with its lease live, the partition is nobody else's.
      expect(await claimPartition(second, runId, 'second', { owner: 'process-2', ms: LEASE })).toBeNull();
      // While a batch of the first worker runs, nobody can take the partition over, even with
      // its lease expired: claiming skips the partition's locked row.
      await expire(mine.id);
      await first.query(`SELECT set_config('fixture.sleep_ms', '400', false)`);
      const slow = runBatch(first, mine, runId, one.range.hi + 1n, 500);
      await new Promise((r) => setTimeout(r, 150));
      expect(await claimPartition(second, runId, 'second', { owner: 'process-2', ms: LEASE })).toBeNull();
      const two = await slow;
      await first.query(`SELECT set_config('fixture.sleep_ms', '0', false)`);
      // The batch's commit renewed the lease; once it expires again, the second worker takes over.
      expect(await claimPartition(second, runId, 'second', { owner: 'process-2', ms: LEASE })).toBeNull();
      await expire(mine.id);
      const taken = await claimPartition(second, runId, 'second', { owner: 'process-2', ms: LEASE });
      expect(taken).toMatchObject({ id: mine.id, reclaimed: true, next_key: String(two.range.hi + 1n) });
      // The new owner moves the partition on by one batch: it is running, mid-way, leased to it.
      const moved = await runBatch(second, taken!, runId, BigInt(taken!.next_key), 1_000);
      const [mid] = await db.query<{ status: string; lease_owner: string; next_key: string; hi: string }>(
        `SELECT status, lease_owner, next_key::text, hi::text FROM pgphase.partitions WHERE id = $1`,
        [mine.id],
      );
      expect(mid).toMatchObject({ status: 'running', lease_owner: 'process-2', next_key: String(moved.range.hi + 1n) });
      expect(BigInt(mid!.next_key)).toBeLessThanOrEqual(BigInt(mid!.hi));
      // The first worker's next batch, from where it left off: refused by the cursor alone.
      await expect(runBatch(first, mine, runId, two.range.hi + 1n, 1_000)).rejects.toBeInstanceOf(LostPartitionError);
      let cursor = moved.range.hi + 1n;
      while (cursor <= moved.hi) cursor = (await runBatch(second, taken!, runId, cursor, 1_000)).range.hi + 1n;
      await finishPartition(second, taken!.id, { status: 'done' });
      // And again once the partition is done.
      await expect(runBatch(first, mine, runId, two.range.hi + 1n, 1_000)).rejects.toBeInstanceOf(LostPartitionError);
      expect(await copyDefects(db)).toEqual({ missing: 0, duplicated: 0, copied: ROWS });
      const [ledger] = await db.query<{ rows_in: number; attempts: number; leased: number }>(
        `SELECT sum(rows_in)::int AS rows_in, max(attempts)::int AS attempts, count(lease_owner)::int AS leased FROM pgphase.partitions WHERE run_id = $1`,
        [runId],
      );
      expect(ledger).toEqual({ rows_in: ROWS, attempts: 2, leased: 0 });
    } finally {
      await Promise.all([first.end(), second.end()]);
    }
  });
});
