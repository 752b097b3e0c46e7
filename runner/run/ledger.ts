/**
 * The run ledger and work queue, in `pipeline`: runs, their steps (one per source table of each
 * phase) and the steps' partitions (key ranges). Every function here is one short transaction
 * or statement, safe to call from any number of runner processes at once:
 * - runs are created or resumed under a transaction-level advisory lock;
 * - a step is planned by whichever process first moves it from `waiting` to `planned`;
 * - a partition is claimed with `FOR UPDATE SKIP LOCKED` plus a session-level advisory lock
 *   held for as long as a worker processes it. A partition marked `running` whose lock is free
 *   lost its worker (its session is gone) and is claimed again.
 */
import type pg from 'pg';
import { transaction } from '../db/transaction.js';
import { planPartitions, type KeyRange } from '../plan/planPartitions.js';
import type { Phase, PhaseStep } from '../phases.js';
import { type PhaseCounts, phaseCounts } from './phaseCounts.js';

/** Class id of the session-level advisory locks that mark a partition as being processed. */
const PARTITION_LOCK_CLASS = 0x7067_7068;
/** Transaction-level advisory lock taken while creating or resuming a run. */
const RUN_LOCK_KEY = '7232648511430961154';

export interface StepRow {
  readonly id: string;
  readonly ordinal: number;
  readonly phase: string;
  readonly source_table: string;
  readonly procedure: string;
  readonly key_column: string;
  readonly status: 'waiting' | 'planned' | 'done' | 'failed' | 'blocked';
}

export interface PartitionRow {
  readonly id: string;
  readonly step_id: string;
  readonly phase: string;
  readonly source_table: string;
  readonly procedure: string;
  readonly key_column: string;
  readonly lo: string;
  readonly hi: string;
  readonly next_key: string;
  readonly attempts: number;
  readonly reclaimed: boolean;
}


/** Quotes `schema.table` as two identifiers. */
export function qualified(client: pg.ClientBase, name: string): string {
  return name
    .split('.')
    .map((part) => client.escapeIdentifier(part))
    .join('.');
}

/** Resumes the newest unfinished run of the same phases, or creates one (`fresh` always creates). */
export async function createOrResumeRun(
  client: pg.ClientBase,
  phases: readonly Phase[],
  options: { fresh: boolean; settings: Record<string, unknown>; createdBy: string },
): Promise<{ runId: string; resumed: boolean }> {
  const names = phases.map((p) => p.name);
  return transaction(client, async () => {
    await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [RUN_LOCK_KEY]);
    if (!options.fresh) {
      const { rows } = await client.query<{ id: string }>(
        `SELECT id FROM pgphase.runs WHERE status = 'running' AND phases = $1::text[] ORDER BY id DESC LIMIT 1`,
        [names],
      );
      if (rows[0]) return { runId: rows[0].id, resumed: true };
    }
    const { rows } = await client.query<{ id: string }>(
      `INSERT INTO pgphase.runs (phases, options, created_by) VALUES ($1, $2, $3) RETURNING id`,
      [names, options.settings, options.createdBy],
    );
    const runId = rows[0]!.id;
    const steps: (PhaseStep & { phase: string })[] = phases.flatMap((p) => p.steps.map((s) => ({ ...s, phase: p.name })));
    const inRun = new Set(steps.map((s) => s.source));
    for (const [ordinal, step] of steps.entries()) {
      await client.query(
        `INSERT INTO pgphase.run_steps (run_id, ordinal, phase, source_table, procedure, key_column, after_tables)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [runId, ordinal, step.phase, step.source, step.procedure, step.key, (step.after ?? []).filter((t) => inRun.has(t))],
      );
    }
    return { runId, resumed: false };
  });
}

/**
 * Moves the run forward: finishes steps whose partitions are all settled, blocks steps that wait
 * on a failed one, and plans the steps whose prerequisites are done. Returns whether every step
 * of the run is settled.
 */
export async function advanceRun(client: pg.ClientBase, runId: string, targetPartitions: (rows: number) => number): Promise<boolean> {
  await client.query(
    `UPDATE pgphase.run_steps s
        SET status = CASE WHEN EXISTS (SELECT 1 FROM pgphase.partitions p WHERE p.step_id = s.id AND p.status = 'failed')
                          THEN 'failed' ELSE 'done' END,
            finished_at = now()
      WHERE s.run_id = $1 AND s.status = 'planned'
        AND NOT EXISTS (SELECT 1 FROM pgphase.partitions p WHERE p.step_id = s.id AND p.status IN ('pending', 'running'))`,
    [runId],
  );
  // Blocking can cascade (a step after a blocked step is blocked too): repeat until stable.
  for (;;) {
    const { rowCount } = await client.query(
      `UPDATE pgphase.run_steps s SET status = 'blocked', finished_at = now()
        WHERE s.run_id = $1 AND s.status = 'waiting'
          AND EXISTS (SELECT 1 FROM pgphase.run_steps d
                       WHERE d.run_id = s.run_id AND d.source_table = ANY (s.after_tables) AND d.status IN ('failed', 'blocked'))`,
      [runId],
    );
    if (!rowCount) break;
  }
  const { rows: ready } = await client.query<StepRow>(
    `SELECT s.* FROM pgphase.run_steps s
      WHERE s.run_id = $1 AND s.status = 'waiting'
        AND NOT EXISTS (SELECT 1 FROM pgphase.run_steps d
                         WHERE d.run_id = s.run_id AND d.source_table = ANY (s.after_tables) AND d.status <> 'done')
      ORDER BY s.ordinal`,
    [runId],
  );
  for (const step of ready) await planStep(client, runId, step, targetPartitions);
  const { rows } = await client.query<{ open: number }>(
    `SELECT count(*)::int AS open FROM pgphase.run_steps WHERE run_id = $1 AND status IN ('waiting', 'planned')`,
    [runId],
  );
  return rows[0]!.open === 0;
}

/** Reads the key space and equi-depth samples of a step's source and inserts its partitions. */
async function planStep(client: pg.ClientBase, runId: string, step: StepRow, targetPartitions: (rows: number) => number): Promise<void> {
  await transaction(client, async () => {
    const won = await client.query(`UPDATE pgphase.run_steps SET status = 'planned', planned_at = now() WHERE id = $1 AND status = 'waiting'`, [step.id]);
    if (won.rowCount !== 1) return; // another runner process planned it
    const table = qualified(client, step.source_table);
    const key = client.escapeIdentifier(step.key_column);
    // Fresh statistics for the key column only: cheap, and it gives the histogram we plan by.
    await client.query(`ANALYZE ${table} (${key})`);
    const { rows: span } = await client.query<{ min: string | null; max: string | null; n: string }>(
      `SELECT min(${key})::text AS min, max(${key})::text AS max, count(*)::text AS n FROM ${table}`,
    );
    const { min, max, n } = span[0]!;
    const [schema, name] = step.source_table.split('.');
    const { rows: stats } = await client.query<{ bounds: string[] | null }>(
      `SELECT histogram_bounds::text::text[] AS bounds FROM pg_stats WHERE schemaname = $1 AND tablename = $2 AND attname = $3`,
      [schema, name, step.key_column],
    );
    const rowCount = Number(n);
    const ranges: KeyRange[] =
      min === null || max === null
        ? []
        : planPartitions({
            keySpace: { min: BigInt(min), max: BigInt(max) },
            estimatedRows: rowCount,
            partitions: targetPartitions(rowCount),
            samples: (stats[0]?.bounds ?? []).map((b) => BigInt(b)),
          });
    for (const r of ranges) {
      await client.query(
        `INSERT INTO pgphase.partitions (run_id, step_id, phase, source_table, lo, hi, next_key) VALUES ($1, $2, $3, $4, $5, $6, $5)`,
        [runId, step.id, step.phase, step.source_table, r.lo.toString(), r.hi.toString()],
      );
    }
  });
}

/**
 * Claims the next partition of a planned step, reclaiming one whose worker's session is gone.
 * Candidates are read without locks; for each, the worker takes the partition's advisory lock
 * (held while it works on it) and then the row itself with `FOR UPDATE SKIP LOCKED`, re-checking
 * its status. Locking a whole page of candidates at once would hide them all from a worker that
 * claims at the same moment (the benchmark caught one worker doing 99.8% of a run that way).
 */
export async function claimPartition(client: pg.ClientBase, runId: string, worker: string): Promise<PartitionRow | null> {
  const { rows: candidates } = await client.query<{ id: string }>(
    `SELECT p.id FROM pgphase.partitions p JOIN pgphase.run_steps s ON s.id = p.step_id
      WHERE p.run_id = $1 AND s.status = 'planned' AND p.status IN ('pending', 'running')
      ORDER BY s.ordinal, p.status DESC, p.id LIMIT 64`,
    [runId],
  );
  for (const candidate of candidates) {
    const { rows: lock } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, $2::int) AS ok', [PARTITION_LOCK_CLASS, candidate.id]);
    if (!lock[0]!.ok) continue; // a live worker has it
    const claimed = await transaction(client, async () => {
      const { rows: row } = await client.query<{ status: string }>(
        `SELECT status FROM pgphase.partitions WHERE id = $1 AND status IN ('pending', 'running') FOR UPDATE SKIP LOCKED`,
        [candidate.id],
      );
      if (!row[0]) return null; // finished meanwhile
      const { rows } = await client.query<PartitionRow>(
        `UPDATE pgphase.partitions p
            SET status = 'running', claimed_by = $2, claimed_at = now(), started_at = coalesce(p.started_at, now()), attempts = p.attempts + 1
           FROM pgphase.run_steps s
          WHERE p.id = $1 AND s.id = p.step_id
          RETURNING p.id, p.step_id, p.phase, p.source_table, s.procedure, s.key_column, p.lo::text, p.hi::text, p.next_key::text, p.attempts,
                    ($3 = 'running') AS reclaimed`,
        [candidate.id, worker, row[0].status],
      );
      return rows[0]!;
    });
    if (claimed) return claimed;
    await client.query('SELECT pg_advisory_unlock($1, $2::int)', [PARTITION_LOCK_CLASS, candidate.id]);
  }
  return null;
}

/** Takes a partition's lock again on a new connection (after a lost one); false if someone else has it. */
export async function relockPartition(client: pg.ClientBase, partitionId: string): Promise<boolean> {
  const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, $2::int) AS ok', [PARTITION_LOCK_CLASS, partitionId]);
  return rows[0]!.ok;
}

/**
 * Processes one batch exactly once: the procedure's writes and the partition's cursor and counts
 * commit in one transaction, and the cursor update is guarded by the expected cursor value.
 * A batch holds `batchSize` rows, not keys: its upper key is read from the key's index, so
 * that sparse stretches of a skewed key space do not cost thousands of near-empty calls.
 */
export async function runBatch(
  client: pg.ClientBase,
  partition: PartitionRow,
  runId: string,
  cursor: bigint,
  batchSize: number,
): Promise<{ range: KeyRange; counts: PhaseCounts; ms: number }> {
  return transaction(client, async () => {
    const key = client.escapeIdentifier(partition.key_column);
    const { rows: upper } = await client.query<{ hi: string | null }>(
      `SELECT max(k)::text AS hi FROM (SELECT ${key} AS k FROM ${qualified(client, partition.source_table)}
        WHERE ${key} >= $1::bigint AND ${key} <= $2::bigint ORDER BY ${key} LIMIT $3) t`,
      [cursor.toString(), partition.hi, Math.max(1, batchSize)],
    );
    const hi = BigInt(partition.hi);
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
          SET next_key = $3::bigint + 1, rows_in = rows_in + $4, written = written + $5, rejected = rejected + $6,
              extras = (SELECT coalesce(jsonb_object_agg(k, coalesce((extras ->> k)::bigint, 0) + coalesce(($7::jsonb ->> k)::bigint, 0)), '{}')
                          FROM (SELECT jsonb_object_keys(extras) UNION SELECT jsonb_object_keys($7::jsonb)) AS keys (k)),
              batches = batches + 1, batch_ms = batch_ms || $8::int, batch_size = $9
        WHERE id = $1 AND next_key = $2::bigint AND status = 'running'`,
      [partition.id, range.lo.toString(), range.hi.toString(), counts.rowsIn, counts.written, counts.rejected, JSON.stringify(counts.extras), ms, batchSize],
    );
    if (rowCount !== 1) throw new LostPartitionError(partition.id);
    return { range, counts, ms };
  });
}

/** The partition moved on without us (another worker reclaimed it): stop working on it. */
export class LostPartitionError extends Error {
  constructor(readonly partitionId: string) {
    super(`partition ${partitionId} was taken over by another worker`);
  }
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
    await client.query(`UPDATE pgphase.partitions SET status = 'done', finished_at = now() WHERE id = $1`, [partitionId]);
  } else {
    await client.query(
      `UPDATE pgphase.partitions
          SET status = 'failed', finished_at = now(), last_error = $2, last_sqlstate = $3,
              errors = jsonb_set(errors, ARRAY[$3], to_jsonb(coalesce((errors ->> $3)::int, 0) + 1))
        WHERE id = $1`,
      [partitionId, outcome.error, outcome.sqlstate],
    );
  }
  await client.query('SELECT pg_advisory_unlock($1, $2::int)', [PARTITION_LOCK_CLASS, partitionId]);
}

/** Marks the run finished (once, by whichever process gets there first) with its report. */
export async function finishRun(client: pg.ClientBase, runId: string, report: unknown): Promise<'done' | 'failed'> {
  const { rows } = await client.query<{ failed: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM pgphase.run_steps WHERE run_id = $1 AND status IN ('failed', 'blocked')) AS failed`,
    [runId],
  );
  const status = rows[0]!.failed ? 'failed' : 'done';
  await client.query(
    `UPDATE pgphase.runs SET status = $2, finished_at = coalesce(finished_at, now()), report = $3 WHERE id = $1`,
    [runId, status, JSON.stringify(report)],
  );
  return status;
}
