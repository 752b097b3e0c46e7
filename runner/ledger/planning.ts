/**
 * Planning's statements (runner/run/planStep.ts does the planning): a step that became runnable
 * is planned by whichever runner process first moves it from `waiting` to `planned`, and its
 * partitions are inserted in that same transaction (the caller's).
 */
import type pg from 'pg';
import type { KeyRange } from '../plan/planPartitions.js';
import type { StepRow } from './types.js';

/** Moves the step from `waiting` to `planned`; false when another runner process planned it. */
export async function claimStepPlanning(client: pg.ClientBase, stepId: string): Promise<boolean> {
  const won = await client.query(`UPDATE pgphase.run_steps SET status = 'planned', planned_at = now() WHERE id = $1 AND status = 'waiting'`, [stepId]);
  return won.rowCount === 1;
}

/** Keeps the row estimate the step is planned with: the planned row count of the report's progress. */
export async function recordStepEstimate(client: pg.ClientBase, stepId: string, rows: number): Promise<void> {
  await client.query(`UPDATE pgphase.run_steps SET estimated_rows = $2 WHERE id = $1`, [stepId, Math.max(0, Math.round(rows))]);
}

/** The highest key the step covers (its source's max key when planned; null: an empty source). */
export async function recordStepReach(client: pg.ClientBase, stepId: string, toKey: string | null): Promise<void> {
  await client.query(`UPDATE pgphase.run_steps SET to_key = $2::bigint WHERE id = $1`, [stepId, toKey]);
}

/** Inserts the step's partitions, one statement each, in order; each starts with its cursor at `lo`. */
export async function insertPartitions(client: pg.ClientBase, runId: string, step: StepRow, ranges: readonly KeyRange[]): Promise<void> {
  for (const r of ranges) {
    await client.query(`INSERT INTO pgphase.partitions (run_id, step_id, phase, source_table, lo, hi, next_key) VALUES ($1, $2, $3, $4, $5, $6, $5)`, [
      runId,
      step.id,
      step.phase,
      step.source_table,
      r.lo.toString(),
      r.hi.toString(),
    ]);
  }
}
