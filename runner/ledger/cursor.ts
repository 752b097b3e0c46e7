/**
 * A partition's cursor, as the batch call moves it (runner/run/batch.ts): both statements run in
 * the batch's own transaction, the guard first, the commit after the procedure's CALL, so that the
 * procedure's writes and the partition's cursor and counts commit together (exactly once).
 */
import type pg from 'pg';
import type { PhaseCounts } from '../run/phaseCounts.js';
import type { PartitionRow } from './types.js';

/**
 * The cursor guard: locks the partition's row, if it still has the cursor and status the worker
 * expects, until the batch's transaction ends (FOR NO KEY UPDATE: a takeover skips it, a split
 * waits for it) and returns its upper bound as it stands; null when the partition moved on
 * without this worker.
 */
export async function lockPartitionCursor(client: pg.ClientBase, partitionId: string, cursor: bigint): Promise<string | null> {
  const { rows: own } = await client.query<{ hi: string }>(
    `SELECT hi::text FROM pgphase.partitions WHERE id = $1 AND next_key = $2::bigint AND status = 'running' FOR NO KEY UPDATE`,
    [partitionId, cursor.toString()],
  );
  return own[0]?.hi ?? null;
}

/**
 * Commits a batch's cursor (past `hi`, the batch's last key) and counts to its partition, and
 * renews the worker's lease; returns whether the row was updated (it is locked by the guard, so
 * only a deleted run makes it false).
 */
export async function commitPartitionCursor(
  client: pg.ClientBase,
  partition: PartitionRow,
  hi: bigint,
  counts: PhaseCounts,
  ms: number,
  batchSize: number,
): Promise<boolean> {
  const { rowCount } = await client.query(
    `UPDATE pgphase.partitions
          SET next_key = $2::bigint + 1, rows_in = rows_in + $3, written = written + $4, rejected = rejected + $5,
              extras = (SELECT coalesce(jsonb_object_agg(k, coalesce((extras ->> k)::bigint, 0) + coalesce(($6::jsonb ->> k)::bigint, 0)), '{}')
                          FROM (SELECT jsonb_object_keys(extras) UNION SELECT jsonb_object_keys($6::jsonb)) AS keys (k)),
              batches = batches + 1, batch_ms = batch_ms || $7::int, batch_size = $8,
              lease_owner = $9, lease_expires_at = now() + $10 * interval '1 millisecond'
        WHERE id = $1`,
    [
      partition.id,
      hi.toString(),
      counts.rowsIn,
      counts.written,
      counts.rejected,
      JSON.stringify(counts.extras),
      ms,
      batchSize,
      partition.lease_owner,
      partition.lease_ms,
    ],
  );
  return rowCount === 1;
}
