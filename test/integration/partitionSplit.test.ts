/**
 * Work stealing (runner/ledger/split.ts): a worker with nothing to claim splits the longest running
 * partition, and the protocol with the batch call never lets two workers process one key. The
 * fixture's destination has no unique key, so a key processed twice shows up as a duplicate row.
 */
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { claimPartition, createOrResumeRun, finishPartition, type PartitionRow } from '../../runner/ledger/index.js';
import { advanceRun } from '../../runner/run/advanceRun.js';
import { runBatch } from '../../runner/run/batch.js';
import { runPipeline } from '../../runner/run/runPipeline.js';
import { splitPartition } from '../../runner/ledger/split.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { copyDefects, fixturePhases, setUpFixture } from '../support/runnerFixture.js';

const ROWS = 10_000;

describe('splitting a running partition', () => {
  let db: TestDatabase;
  let owner: pg.Client;
  let thief: pg.Client;
  /** fixture.src's keys in order (they are skewed: dense, then sparse). */
  let keys: bigint[] = [];
  beforeAll(async () => {
    db = await createTestDatabase();
    await setUpFixture(db, ROWS);
    keys = (await db.query<{ k: string }>('SELECT id::text AS k FROM fixture.src ORDER BY id')).map((r) => BigInt(r.k));
  });
  afterAll(() => db.drop());
  beforeEach(async () => {
    await db.query('TRUNCATE fixture.dst, pgphase.runs CASCADE');
    owner = new pg.Client({ connectionString: db.url });
    thief = new pg.Client({ connectionString: db.url });
    await Promise.all([owner.connect(), thief.connect()]);
  });
  const closeClients = () => Promise.all([owner.end(), thief.end()]);

  /** A run of the fixture phase planned into one partition, claimed by the owner. */
  async function claimedAlone(): Promise<{ runId: string; partition: PartitionRow }> {
    const { runId } = await createOrResumeRun(owner, fixturePhases(), { fresh: true, settings: {}, createdBy: 'test' });
    await advanceRun(owner, runId, () => 1);
    const partition = await claimPartition(owner, runId, 'owner');
    expect(partition).not.toBeNull();
    return { runId, partition: partition! };
  }

  /** Runs one batch of `size` rows from the partition's start while its procedure sleeps `ms`. */
  async function slowBatch(runId: string, partition: PartitionRow, size: number, ms: number) {
    await owner.query(`SELECT set_config('fixture.sleep_ms', $1, false)`, [String(ms)]);
    try {
      return await runBatch(owner, partition, runId, BigInt(partition.next_key), size);
    } finally {
      await owner.query(`SELECT set_config('fixture.sleep_ms', '0', false)`);
    }
  }

  it('waits for the batch in flight and splits what is left after it, never a key that batch took', async () => {
    try {
      const { runId, partition } = await claimedAlone();
      // A batch of 2,000 rows in flight: what is left after it is 8,000 rows, split 4,000 / 4,000.
      const batch = slowBatch(runId, partition, 2_000, 600);
      await new Promise((r) => setTimeout(r, 150));
      const split = await splitPartition(thief, runId, { minRows: 100, waitMs: 5_000 });
      const done = await batch;
      expect(done.range.hi).toBe(keys[1_999]);
      expect(split).not.toBeNull();
      expect(BigInt(split!.lo)).toBe(keys[6_000]); // the middle of the 8,000 rows after the batch
      expect(split!.rows).toBe(4_000);
      const parts = await db.query<{ lo: string; hi: string; next_key: string; status: string }>(
        'SELECT lo, hi, next_key, status FROM pgphase.partitions WHERE run_id = $1 ORDER BY lo',
        [runId],
      );
      expect(parts).toEqual([
        { lo: String(keys[0]), hi: String(keys[6_000]! - 1n), next_key: String(keys[2_000]), status: 'running' },
        { lo: String(keys[6_000]), hi: String(keys[ROWS - 1]), next_key: String(keys[6_000]), status: 'pending' },
      ]);
    } finally {
      await closeClients();
    }
  });

  it('splits nothing when what the batch in flight leaves is under a quarter of that batch', async () => {
    try {
      const { runId, partition } = await claimedAlone();
      // 9,000 rows in flight: 1,000 are left after it, under a quarter of 9,000.
      const batch = slowBatch(runId, partition, 9_000, 600);
      await new Promise((r) => setTimeout(r, 150));
      const split = await splitPartition(thief, runId, { minRows: 100, waitMs: 5_000 });
      await batch;
      expect(split).toBeNull();
      const [only] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM pgphase.partitions WHERE run_id = $1', [runId]);
      expect(only!.n).toBe(1);
    } finally {
      await closeClients();
    }
  });

  it('splits nothing when a half would be under the smallest batch, and splits a short rest otherwise', async () => {
    try {
      const { runId, partition } = await claimedAlone();
      await runBatch(owner, partition, runId, BigInt(partition.next_key), 7_000);
      // 3,000 rows left: above a quarter of the 7,000-row batch, but not two batches of 2,000.
      expect(await splitPartition(thief, runId, { minRows: 2_000, waitMs: 5_000 })).toBeNull();
      const split = await splitPartition(thief, runId, { minRows: 1_000, waitMs: 5_000 });
      expect(split).toMatchObject({ lo: String(keys[8_500]), rows: 1_500 });
    } finally {
      await closeClients();
    }
  });

  it('asks, and finds a partition not worth splitting, without a row lock or a transaction id: attempts commit nothing', async () => {
    try {
      const { runId, partition } = await claimedAlone();
      await runBatch(owner, partition, runId, BigInt(partition.next_key), 7_000);
      // The transaction ids the thief's transactions took, read in each before it ends (the
      // server's next xid would move with the other test files' commits too).
      const taken: string[] = [];
      const query = thief.query.bind(thief) as (text: string) => Promise<pg.QueryResult>;
      const watched = async (text: unknown, ...rest: unknown[]) => {
        if (text === 'COMMIT' || text === 'ROLLBACK') {
          const { rows } = await query('SELECT pg_current_xact_id_if_assigned()::text AS x');
          if (rows[0]?.x) taken.push(rows[0].x as string);
        }
        return (query as (...a: unknown[]) => Promise<pg.QueryResult>)(text, ...rest);
      };
      (thief as unknown as { query: typeof watched }).query = watched;
      const locker = async () => (await db.query<{ xmax: string }>('SELECT xmax::text FROM pgphase.partitions WHERE id = $1', [partition.id]))[0]!.xmax;
      const lockedBy = await locker();
      // An idle worker asks every 250 ms; each attempt here finds 3,000 rows, not two batches of 2,000.
      for (let i = 0; i < 10; i++) expect(await splitPartition(thief, runId, { minRows: 2_000, waitMs: 5_000 })).toBeNull();
      expect(taken, 'transaction ids taken by the split attempts').toEqual([]);
      expect(await locker(), 'the row locked by the last batch, not by a split attempt').toBe(lockedBy);
    } finally {
      await closeClients();
    }
  });

  it('gives up, splitting nothing, when the batch in flight outlasts its wait', async () => {
    try {
      const { runId, partition } = await claimedAlone();
      const batch = slowBatch(runId, partition, 1_000, 800);
      await new Promise((r) => setTimeout(r, 150));
      const started = performance.now();
      expect(await splitPartition(thief, runId, { minRows: 100, waitMs: 100 })).toBeNull();
      expect(performance.now() - started).toBeLessThan(600);
      await batch;
      const [only] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM pgphase.partitions WHERE run_id = $1', [runId]);
      expect(only!.n).toBe(1);
    } finally {
      await closeClients();
    }
  });

  it("the owner's next batch stops at the lowered bound, and owner and thief together copy every row once", async () => {
    try {
      const { runId, partition } = await claimedAlone();
      await runBatch(owner, partition, runId, BigInt(partition.next_key), 1_000);
      const split = await splitPartition(thief, runId, { minRows: 100, waitMs: 5_000 });
      expect(split).not.toBeNull();
      const stolen = await claimPartition(thief, runId, 'thief');
      expect(stolen?.id).toBe(split!.partition);
      // The owner still holds the partition as it claimed it (hi as planned) and asks for everything.
      const rest = await runBatch(owner, partition, runId, keys[1_000]!, 100_000);
      expect(rest.range.hi).toBe(BigInt(split!.lo) - 1n);
      expect(rest.hi).toBe(BigInt(split!.lo) - 1n);
      await finishPartition(owner, partition.id, { status: 'done' });
      const theirs = await runBatch(thief, stolen!, runId, BigInt(stolen!.next_key), 100_000);
      expect(theirs.range.hi).toBe(keys[ROWS - 1]);
      await finishPartition(thief, stolen!.id, { status: 'done' });
      expect(await copyDefects(db)).toEqual({ missing: 0, duplicated: 0, copied: ROWS });
    } finally {
      await closeClients();
    }
  });

  /**
   * A whole run of 2 workers in which only the last eighth of the keys is slow (40 ms a batch of at
   * most 200 rows): it is the last partition claimed, and the other worker runs out of partitions
   * while it is still long. Returns the run's partitions in key order.
   */
  async function runWithSlowEnd(split: boolean) {
    await closeClients();
    await db.query(`ALTER DATABASE ${db.name} SET fixture.sleep_ms = 40`);
    await db.query(`ALTER DATABASE ${db.name} SET fixture.slow_from = ${keys[ROWS - ROWS / 8]}`);
    try {
      const report = await runPipeline({
        url: db.url,
        phaseList: fixturePhases(),
        workers: 2,
        fresh: true,
        batch: { initial: 200, min: 50, max: 200, targetMs: 200 },
        split,
      });
      expect(report.status).toBe('done');
      expect(report.phases[0]).toMatchObject({ rowsIn: ROWS, written: ROWS, partitions: { failed: 0 } });
      expect(await copyDefects(db)).toEqual({ missing: 0, duplicated: 0, copied: ROWS });
      return await db.query<{ lo: string; hi: string; claimed_by: string }>('SELECT lo, hi, claimed_by FROM pgphase.partitions WHERE run_id = $1 ORDER BY lo', [
        report.runId,
      ]);
    } finally {
      await db.query(`ALTER DATABASE ${db.name} RESET fixture.sleep_ms`);
      await db.query(`ALTER DATABASE ${db.name} RESET fixture.slow_from`);
    }
  }

  it('a whole run: the idle worker takes half of the last partition, and every row is copied once', async () => {
    const parts = await runWithSlowEnd(true);
    // 2 workers plan 8 partitions; the slow last one was split (more than once, maybe), its parts
    // went to both workers, and the partitions still tile the keys.
    expect(parts.length).toBeGreaterThan(8);
    const slow = parts.filter((p) => BigInt(p.hi) >= keys[ROWS - ROWS / 8]!);
    expect(new Set(slow.map((p) => p.claimed_by)).size).toBe(2);
    for (let i = 1; i < parts.length; i++) expect(BigInt(parts[i]!.lo)).toBe(BigInt(parts[i - 1]!.hi) + 1n);
    expect(BigInt(parts[0]!.lo)).toBe(keys[0]);
    expect(BigInt(parts.at(-1)!.hi)).toBe(keys[ROWS - 1]);
  });

  it('with splitting off, the last partition is walked by its one worker', async () => {
    expect(await runWithSlowEnd(false)).toHaveLength(8);
  });
});
