/**
 * Work stealing at the end of a step: a worker that finds nothing to claim while another worker
 * still has a long way to go in its partition takes the second half of what is left. Without it
 * the last partition of a run is walked by one worker while the others wait (on 1M rows with two
 * workers, one sat idle for 0.25-1.1 s at the end of every run).
 *
 * The protocol, with the batch call (runner/run/batch.ts, its cursor guard in cursor.ts): a batch locks its partition's row (FOR NO KEY
 * UPDATE) first and reads the partition's `hi` under that lock, so a batch never runs past a
 * bound that changed. The splitter takes the same row lock (it waits for the batch in flight to
 * commit, at most one batch), re-reads the cursor, and in one transaction lowers the running
 * partition's `hi` to just below the middle row of what is left and inserts the rest as a new
 * pending partition starting at that row. The partitions still tile the step's key space, each key
 * belongs to exactly one of them, and nothing done is done again.
 */
import type pg from 'pg';
import { transaction } from '../db/transaction.js';
import { recordedState } from '../run/connection.js';
import { qualified } from './types.js';

/** What a split did: the new partition's range, taken from partition `from`. */
export interface Split {
  readonly from: string;
  readonly partition: string;
  readonly lo: string;
  readonly hi: string;
  readonly rows: number;
}

export interface SplitOptions {
  /**
   * Split only when each half gets at least this many rows (the smallest batch). What is left must
   * also be at least a quarter of the owner's last batch: half of it is then worth at least an
   * eighth of a batch's time to the run, against a split's cost of a few index reads.
   */
  readonly minRows: number;
  /** How long to wait for the batch in flight to commit before giving up (lock_timeout). */
  readonly waitMs: number;
}

/**
 * Splits the running partition of `runId` with the widest key span left, if what is left is worth
 * two workers (see SplitOptions); returns the new pending partition, or null (nothing worth splitting, or the
 * owner's batch did not end within `waitMs`).
 */
export async function splitPartition(client: pg.ClientBase, runId: string, options: SplitOptions): Promise<Split | null> {
  const { rows: candidates } = await client.query<{
    id: string;
    next_key: string;
    hi: string;
    batch_size: number | null;
    source_table: string;
    key_column: string;
  }>(
    `SELECT p.id, p.next_key::text, p.hi::text, p.batch_size, p.source_table, s.key_column
       FROM pgphase.partitions p JOIN pgphase.run_steps s ON s.id = p.step_id
      WHERE p.run_id = $1 AND s.status = 'planned' AND p.status = 'running' AND p.next_key < p.hi
      ORDER BY p.hi - p.next_key DESC, p.id LIMIT 1`,
    [runId],
  );
  const candidate = candidates[0];
  if (!candidate) return null;
  // Read before any lock: an idle worker asks this every 250 ms, and a row lock taken only to find
  // the partition not worth splitting is a commit each time, WAL that a standby must replay while
  // the run may be waiting on that very standby. What is left only shrinks (the owner's cursor
  // moves up, a split lowers hi), so what fails here would fail under the lock; the next attempt
  // reads again.
  const unlocked = await rowsLeft(client, candidate);
  if (!worthSplitting(unlocked, candidate.batch_size, options)) return null;
  try {
    return await transaction(client, async () => {
      await client.query(`SELECT set_config('lock_timeout', $1, true)`, [`${Math.max(1, Math.round(options.waitMs))}ms`]);
      // Waits for the owner's batch in flight, then sees the cursor that batch committed.
      const { rows: locked } = await client.query<{
        next_key: string;
        hi: string;
        batch_size: number | null;
        source_table: string;
        key_column: string;
        run_id: string;
        step_id: string;
        phase: string;
      }>(
        `SELECT p.next_key::text, p.hi::text, p.batch_size, p.source_table, s.key_column, p.run_id::text, p.step_id::text, p.phase
           FROM pgphase.partitions p JOIN pgphase.run_steps s ON s.id = p.step_id
          WHERE p.id = $1 AND p.status = 'running'
            FOR NO KEY UPDATE OF p`,
        [candidate.id],
      );
      const row = locked[0];
      if (!row) return null; // finished meanwhile
      const rows = await rowsLeft(client, row);
      if (!worthSplitting(rows, row.batch_size, options)) return null;
      const table = qualified(client, row.source_table);
      const key = client.escapeIdentifier(row.key_column);
      const half = Math.floor(rows / 2);
      // The first key of the second half: the owner keeps [next_key, mid - 1], the new partition is [mid, hi].
      const { rows: middle } = await client.query<{ mid: string }>(
        `SELECT ${key}::text AS mid FROM ${table} WHERE ${key} >= $1::bigint AND ${key} <= $2::bigint ORDER BY ${key} OFFSET $3 LIMIT 1`,
        [row.next_key, row.hi, half],
      );
      const mid = middle[0]?.mid;
      if (mid === undefined || BigInt(mid) <= BigInt(row.next_key)) return null;
      await client.query(`UPDATE pgphase.partitions SET hi = $2::bigint - 1 WHERE id = $1`, [candidate.id, mid]);
      const { rows: inserted } = await client.query<{ id: string }>(
        `INSERT INTO pgphase.partitions (run_id, step_id, phase, source_table, lo, hi, next_key)
         VALUES ($1, $2, $3, $4, $5, $6, $5) RETURNING id::text`,
        [row.run_id, row.step_id, row.phase, row.source_table, mid, row.hi],
      );
      return { from: candidate.id, partition: inserted[0]!.id, lo: mid, hi: row.hi, rows: rows - half };
    });
  } catch (error) {
    // The owner's batch ran longer than we wait: not worth holding a worker for; try again later.
    if (recordedState(error) === '55P03') return null;
    throw error;
  }
}

/** Rows of the partition's source from its cursor to its upper bound. */
async function rowsLeft(client: pg.ClientBase, p: { next_key: string; hi: string; source_table: string; key_column: string }): Promise<number> {
  const key = client.escapeIdentifier(p.key_column);
  const { rows } = await client.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM (SELECT 1 FROM ${qualified(client, p.source_table)} WHERE ${key} >= $1::bigint AND ${key} <= $2::bigint) t`,
    [p.next_key, p.hi],
  );
  return rows[0]!.n;
}

/** At least two of the smallest batches, and a quarter of the owner's last batch (SplitOptions). */
function worthSplitting(rows: number, batchSize: number | null, options: SplitOptions): boolean {
  return rows >= 2 * options.minRows && rows >= (batchSize ?? 0) / 4;
}
