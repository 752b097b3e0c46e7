/**
 * The batch call: one CALL of a step's procedure over a key range, committed together with the
 * partition's cursor and counts (the generic phase contract, phaseCounts.ts): exactly once. The
 * cursor's statements, the guard and the commit, are runner/ledger/cursor.ts's.
 */
import type pg from 'pg';
import { type IsolationLevel, transaction } from '../db/transaction.js';
import type { KeyRange } from '../plan/planPartitions.js';
import { type BatchSample, insertBatchSample } from '../ledger/batchSamples.js';
import { commitPartitionCursor, lockPartitionCursor } from '../ledger/cursor.js';
import { qualified, type PartitionRow } from '../ledger/types.js';
import { type PhaseCounts, phaseCounts } from './phaseCounts.js';

/**
 * Processes one batch exactly once: the procedure's writes and the partition's cursor and counts
 * commit in one transaction, which first locks the partition's row with the expected cursor and
 * status (the cursor guard): a partition that moved on without this worker (taken over between
 * its batches) fails the batch before anything is written, and while the batch runs nobody
 * else can move it (a takeover skips locked rows, a split waits). The guard does not read the
 * lease: exactly-once holds whoever believes they own the partition. The commit renews the
 * worker's lease (runner/ledger/claim.ts).
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
      // worker splitting the partition (runner/ledger/split.ts) waits for this batch and then lowers `hi`, which
      // the next batch reads here. No batch runs past a bound that moved.
      const own = await lockPartitionCursor(client, partition.id, cursor);
      if (own === null) throw new LostPartitionError(partition.id);
      const hi = BigInt(own);
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
      const committed = await commitPartitionCursor(client, partition, range.hi, counts, ms, batchSize);
      // The row is ours since the batch began (locked, with the expected cursor): only a deleted run gets here.
      if (!committed) throw new LostPartitionError(partition.id);
      if (sample) await insertBatchSample(client, partition, runId, range, counts, ms, batchSize, sample);
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
