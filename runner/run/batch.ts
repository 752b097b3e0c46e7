/**
 * The batch call: one CALL of a step's procedure over a key range, committed together with the
 * partition's cursor and counts (the generic phase contract, phaseCounts.ts): exactly once.
 */
import type pg from 'pg';
import { type IsolationLevel, transaction } from '../db/transaction.js';
import type { KeyRange } from '../plan/planPartitions.js';
import { qualified, type PartitionRow } from './ledgerTypes.js';
import { type BatchSample, insertBatchSample } from './batchSamples.js';
import { type PhaseCounts, phaseCounts } from './phaseCounts.js';

/**
 * Processes one batch exactly once: the procedure's writes and the partition's cursor and counts
 * commit in one transaction, which first locks the partition's row with the expected cursor and
 * status (the cursor guard): a partition that moved on without this worker (taken over between
 * its batches) fails the batch before anything is written, and while the batch runs nobody
 * else can move it (a takeover skips locked rows, a split waits). The guard does not read the
 * lease: exactly-once holds whoever believes they own the partition. The commit renews the
 * worker's lease (claim.ts).
 * Returns the partition's upper bound as it stood (another worker may have split it).
 * A batch holds `batchSize` rows, not keys: its upper key is read from the key's index, so
 * that sparse stretches of a skewed key space do not cost thousands of near-empty calls.
 */
export async function runBatch(
  client: pg.ClientBase,
  partition: PartitionRow,
  runId: string,
  cursor: bigint,
  batchSize: number,
  options: { outputSchema?: string | undefined; isolation?: IsolationLevel | undefined; sample?: BatchSample | undefined } = {},
): Promise<{ range: KeyRange; counts: PhaseCounts; ms: number; hi: bigint }> {
  const { outputSchema, sample } = options;
  return transaction(
    client,
    async () => {
      if (outputSchema !== undefined) {
        // The procedure names its output tables without a schema (they may be a blue-green shadow).
        await client.query(`SELECT set_config('search_path', $1, true), set_config('pgphase.output_schema', $2, true)`, [
          client.escapeIdentifier(outputSchema),
          outputSchema,
        ]);
      }
      // The batch's upper key, read from the key's index within the partition as claimed: an upper
      // bound of the partition's current one, since a split only ever lowers `hi`.
      const key = client.escapeIdentifier(partition.key_column);
      const { rows: upper } = await client.query<{ hi: string | null }>(
        `SELECT max(k)::text AS hi FROM (SELECT ${key} AS k FROM ${qualified(client, partition.source_table)}
        WHERE ${key} >= $1::bigint AND ${key} <= $2::bigint ORDER BY ${key} LIMIT $3) t`,
        [cursor.toString(), partition.hi, Math.max(1, batchSize)],
      );
      // Then the partition's row, locked until the batch commits, and its bound as it stands: a
      // worker splitting the partition (split.ts) waits for this batch and then lowers `hi`, which
      // the next batch reads here. No batch runs past a bound that moved.
      const { rows: own } = await client.query<{ hi: string }>(
        `SELECT hi::text FROM pgphase.partitions WHERE id = $1 AND next_key = $2::bigint AND status = 'running' FOR NO KEY UPDATE`,
        [partition.id, cursor.toString()],
      );
      if (!own[0]) throw new LostPartitionError(partition.id);
      const hi = BigInt(own[0].hi);
      const found = upper[0]?.hi;
      // The last batch of a partition runs to its end, so the ledger's cursor always reaches hi.
      const range: KeyRange = { lo: cursor, hi: found === null || found === undefined || BigInt(found) >= hi ? hi : BigInt(found) };
      const started = performance.now();
      const { rows } = await client.query<Record<string, unknown>>(
        `CALL ${qualified(client, partition.procedure)}($1::bigint, $2::bigint, $3::bigint, NULL, NULL, NULL, NULL)`,
        [runId, range.lo.toString(), range.hi.toString()],
      );
      const ms = Math.round(performance.now() - started);
      const counts = phaseCounts(rows[0]);
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
          range.hi.toString(),
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
      // The row is ours since the batch began (locked, with the expected cursor): only a deleted run gets here.
      if (rowCount !== 1) throw new LostPartitionError(partition.id);
      if (sample) await insertBatchSample(client, partition, runId, counts, ms, batchSize, sample);
      return { range, counts, ms, hi };
    },
    options.isolation ? { isolation: options.isolation } : {},
  );
}

/** The partition moved on without us (another worker reclaimed it): stop working on it. */
export class LostPartitionError extends Error {
  constructor(readonly partitionId: string) {
    super(`partition ${partitionId} was taken over by another worker`);
  }
}
