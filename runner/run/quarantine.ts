/**
 * The quarantine: every raw row a phase rejected, with its reason. `listQuarantine` summarises
 * it by reason and table and shows sample rows; `replayQuarantine` runs the quarantined rows
 * through their step's procedure again (after a fix in raw, or in a procedure), in the steps'
 * order (games before markets, so that a fixed game brings its orphaned markets back too).
 * Rows that are still bad stay quarantined with their attempts counted.
 */
import type pg from 'pg';
import type { Phase } from '../phases.js';
import { transaction } from '../db/transaction.js';
import { finishReplayRun, insertReplayRun } from '../ledger/runState.js';
import { qualified } from '../ledger/types.js';
import { runQuarantineByReason, storedRunReport } from '../ledger/reportReads.js';
import { UsageError } from '../errors.js';

export interface QuarantineSummary {
  readonly total: number;
  /** `constraint`: for db_error, the constraint or index the rows broke (one group each). */
  readonly byReason: { reason: string; table: string; rows: number; constraint?: string }[];
  readonly rows: {
    id: string;
    table: string;
    sourceId: string;
    reason: string;
    sqlstate: string | null;
    message: string | null;
    attempts: number;
    raw: unknown;
  }[];
}

/**
 * The quarantine by reason and table, with sample rows. With `runId`: what that run quarantined,
 * counted from its batches' samples (runner/ledger/reportReads.ts), so it stays true after later
 * runs and replays took rows over; the sample rows are those still attributed to it.
 */
export async function listQuarantine(client: pg.ClientBase, options: { reason?: string; limit?: number; runId?: string } = {}): Promise<QuarantineSummary> {
  const reason = options.reason ?? null;
  const runId = options.runId ?? null;
  if (runId !== null && !(await storedRunReport(client, runId))) {
    throw new UsageError(`run ${runId} does not exist`, 'List runs with `pgphase status`.');
  }
  const kept = runId === null ? null : await runQuarantineByReason(client, runId);
  const groups = kept
    ? kept.filter((g) => reason === null || g.reason === reason)
    : (
        await client.query<{ reason: string; table: string; rows: number; constraint?: string }>(
          `SELECT reason_code AS reason, source_table AS table, count(*)::int AS rows,
                  CASE WHEN reason_code = 'db_error' THEN constraint_name END AS "constraint"
             FROM pgphase.quarantine
            WHERE ($1::text IS NULL OR reason_code = $1) AND ($2::bigint IS NULL OR run_id = $2::bigint) GROUP BY 1, 2, 4 ORDER BY 3 DESC, 1, 2, 4`,
          [reason, runId],
        )
      ).rows.map(({ constraint, ...g }) => (constraint ? { ...g, constraint } : g));
  const { rows } = await client.query<QuarantineSummary['rows'][number]>(
    // q.id: an unqualified ORDER BY id would sort the text output column ('10' before '2').
    `SELECT q.id::text, q.source_table AS table, q.source_id::text AS "sourceId", q.reason_code AS reason, q.sqlstate, q.message, q.attempts, q.raw_row AS raw
       FROM pgphase.quarantine q WHERE ($1::text IS NULL OR q.reason_code = $1) AND ($3::bigint IS NULL OR q.run_id = $3::bigint) ORDER BY q.id LIMIT $2`,
    [reason, options.limit ?? 20, runId],
  );
  return { total: groups.reduce((a, g) => a + g.rows, 0), byReason: groups, rows };
}

export interface ReplayResult {
  readonly runId: string;
  readonly replayed: number;
  /** Rows that left the quarantine (written by their step this time). */
  readonly written: number;
  readonly stillQuarantined: number;
}

/** Re-runs quarantined rows (optionally of one reason) through their procedures. */
export async function replayQuarantine(client: pg.ClientBase, options: { reason?: string; chunk?: number; phases: readonly Phase[] }): Promise<ReplayResult> {
  const reason = options.reason ?? null;
  const chunk = options.chunk ?? 1_000;
  const steps = options.phases.flatMap((p) => p.steps);
  const { rows: before } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM pgphase.quarantine WHERE $1::text IS NULL OR reason_code = $1`, [
    reason,
  ]);
  const runId = await insertReplayRun(client, reason);
  for (const step of steps) {
    const bare = step.source.split('.').pop()!;
    const { rows: ids } = await client.query<{ id: string }>(
      `SELECT source_id::text AS id FROM pgphase.quarantine
        WHERE source_table IN ($1, $2) AND ($3::text IS NULL OR reason_code = $3) ORDER BY source_id`,
      [step.source, bare, reason],
    );
    for (let i = 0; i < ids.length; i += chunk) {
      const slice = ids.slice(i, i + chunk);
      await transaction(client, () =>
        client.query(`CALL ${qualified(client, step.procedure)}($1::bigint, $2::bigint, $3::bigint, NULL, NULL, NULL, NULL)`, [
          runId,
          slice[0]!.id,
          slice.at(-1)!.id,
        ]),
      );
    }
  }
  const { rows: after } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM pgphase.quarantine WHERE $1::text IS NULL OR reason_code = $1`, [
    reason,
  ]);
  const result = { runId, replayed: before[0]!.n, written: Math.max(0, before[0]!.n - after[0]!.n), stillQuarantined: after[0]!.n };
  await finishReplayRun(client, runId, result);
  return result;
}
