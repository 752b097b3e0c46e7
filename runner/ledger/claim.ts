/**
 * Claiming and leasing partitions. Ownership is a lease in the ledger (schema 0070_leases.sql):
 * a claim sets the partition's lease owner (the runner process) and expiry; the batch's commit
 * and the process's heartbeat (runner/run/presence.ts) renew it well inside the expiry; a
 * partition marked `running` is taken over only once its lease has expired (its process is gone)
 * or was released (its worker left). Nothing here outlives its transaction, so it holds behind a
 * transaction-mode pooler. The lease only says who should work on a partition: what is written
 * is decided by the batch's cursor guard (cursor.ts, in runner/run/batch.ts's transaction), so
 * exactly-once does not depend on it.
 * Retries and the partition's end are recorded here too, and the end clears the lease.
 */
import type pg from 'pg';
import { transaction } from '../db/transaction.js';
import type { PartitionRow } from './types.js';
import { RUN_DEFAULTS } from '../run/runDefaults.js';

/** Who holds a lease and for how long. */
export interface Lease {
  /** The runner process (its id in pgphase.run_runners). */
  readonly owner: string;
  /** How long a lease lasts without renewal, ms. */
  readonly ms: number;
}

/** How long a lease lasts by default: six heartbeats (presence.ts beats every sixth of it). */
export const DEFAULT_LEASE_MS = RUN_DEFAULTS.leaseMs;

/**
 * Claims the next partition of a planned step: a pending one, or a running one whose lease
 * expired or was released, in one statement that locks only the row it takes (`LIMIT 1 FOR
 * UPDATE SKIP LOCKED`): a partition whose batch is in flight is locked by it and skipped, and a
 * page of candidates is never hidden from a worker that claims at the same moment.
 */
export async function claimPartition(
  client: pg.ClientBase,
  runId: string,
  worker: string,
  lease: Lease = { owner: worker, ms: DEFAULT_LEASE_MS },
): Promise<PartitionRow | null> {
  const { rows } = await transaction(client, () =>
    client.query<Omit<PartitionRow, 'lease_ms'>>(
      `UPDATE pgphase.partitions p
          SET status = 'running', claimed_by = $2, claimed_at = now(), started_at = coalesce(p.started_at, now()), attempts = p.attempts + 1,
              lease_owner = $3, lease_expires_at = now() + $4 * interval '1 millisecond'
         FROM (SELECT c.id, c.status AS was, c.lease_owner AS had
                 FROM pgphase.partitions c JOIN pgphase.run_steps cs ON cs.id = c.step_id
                WHERE c.run_id = $1 AND cs.status = 'planned'
                  AND (c.status = 'pending' OR (c.status = 'running' AND (c.lease_expires_at IS NULL OR c.lease_expires_at <= now())))
                ORDER BY cs.ordinal, c.status DESC, c.id LIMIT 1
                  FOR UPDATE OF c SKIP LOCKED) AS pick,
              pgphase.run_steps s
        WHERE p.id = pick.id AND s.id = p.step_id
        RETURNING p.id, p.step_id, p.phase, p.source_table, s.procedure, s.key_column, p.lo::text, p.hi::text, p.next_key::text, p.attempts,
                  (pick.was = 'running' AND pick.had IS NOT NULL) AS reclaimed, p.claimed_by, p.lease_owner`,
      [runId, worker, lease.owner, lease.ms],
    ),
  );
  return rows[0] ? { ...rows[0], lease_ms: lease.ms } : null;
}

/** Lets go of a partition left unfinished (its worker leaves): any worker may claim it at its cursor. */
export async function releasePartition(client: pg.ClientBase, partition: PartitionRow): Promise<void> {
  await client.query(
    `UPDATE pgphase.partitions SET lease_owner = NULL, lease_expires_at = NULL
      WHERE id = $1 AND status = 'running' AND claimed_by = $2 AND lease_owner = $3`,
    [partition.id, partition.claimed_by, partition.lease_owner],
  );
}

/** Renews a partition's lease after a lost connection; false if another worker claimed it meanwhile. */
export async function relockPartition(client: pg.ClientBase, partition: PartitionRow): Promise<boolean> {
  const { rowCount } = await client.query(
    `UPDATE pgphase.partitions SET lease_expires_at = now() + $4 * interval '1 millisecond'
      WHERE id = $1 AND status = 'running' AND claimed_by = $2 AND lease_owner = $3`,
    [partition.id, partition.claimed_by, partition.lease_owner, partition.lease_ms],
  );
  return rowCount === 1;
}

/**
 * The heartbeat's renewal of every lease a runner process holds on a run. A partition whose batch
 * is in flight is skipped (its row is locked, and that batch's commit renews the lease): the
 * heartbeat never waits for a batch.
 */
export async function renewLeases(client: pg.ClientBase, runId: string, lease: Lease): Promise<void> {
  await client.query(
    `UPDATE pgphase.partitions SET lease_expires_at = now() + $3 * interval '1 millisecond'
      WHERE id IN (SELECT id FROM pgphase.partitions WHERE run_id = $1 AND lease_owner = $2 AND status = 'running' FOR NO KEY UPDATE SKIP LOCKED)`,
    [runId, lease.owner, lease.ms],
  );
}

/** Releases every lease a runner process still holds on a run (its last act). */
export async function releaseLeases(client: pg.ClientBase, runId: string, owner: string): Promise<void> {
  await client.query(`UPDATE pgphase.partitions SET lease_owner = NULL, lease_expires_at = NULL WHERE run_id = $1 AND lease_owner = $2`, [runId, owner]);
}

export async function recordRetry(client: pg.ClientBase, partitionId: string, sqlstate: string): Promise<void> {
  await client.query(
    `UPDATE pgphase.partitions
        SET retries = retries + 1, errors = jsonb_set(errors, ARRAY[$2], to_jsonb(coalesce((errors ->> $2)::int, 0) + 1))
      WHERE id = $1`,
    [partitionId, sqlstate],
  );
}

export async function finishPartition(
  client: pg.ClientBase,
  partitionId: string,
  outcome: { status: 'done' } | { status: 'failed'; error: string; sqlstate: string },
): Promise<void> {
  if (outcome.status === 'done') {
    await client.query(`UPDATE pgphase.partitions SET status = 'done', finished_at = now(), lease_owner = NULL, lease_expires_at = NULL WHERE id = $1`, [
      partitionId,
    ]);
  } else {
    await client.query(
      `UPDATE pgphase.partitions
          SET status = 'failed', finished_at = now(), last_error = $2, last_sqlstate = $3, lease_owner = NULL, lease_expires_at = NULL,
              errors = jsonb_set(errors, ARRAY[$3], to_jsonb(coalesce((errors ->> $3)::int, 0) + 1))
        WHERE id = $1`,
      [partitionId, outcome.error, outcome.sqlstate],
    );
  }
}
