/**
 * Run and step state in the ledger: a run is created or resumed under a transaction-level
 * advisory lock; advanceRun finishes steps whose partitions are settled, blocks steps that wait
 * on a failed one and plans the runnable ones (planStep.ts); finishRun settles the run once.
 * Each function is one short transaction or statement, safe from any number of runner processes.
 */
import type pg from 'pg';
import { transaction } from '../db/transaction.js';
import type { Phase, PhaseStep } from '../phases.js';
import type { RunStatus, StepRow } from './ledgerTypes.js';
import { planStep } from './planStep.js';

/** Transaction-level advisory lock taken while creating or resuming a run. */
const RUN_LOCK_KEY = '7232648511430961154';

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
    const { rows } = await client.query<{ id: string }>(`INSERT INTO pgphase.runs (phases, options, created_by) VALUES ($1, $2, $3) RETURNING id`, [
      names,
      options.settings,
      options.createdBy,
    ]);
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

/** Marks the run finished (once, by whichever process gets there first) with its report. */
export async function finishRun(client: pg.ClientBase, runId: string, report: unknown): Promise<Exclude<RunStatus, 'running'>> {
  const { rows } = await client.query<{ failed: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM pgphase.run_steps WHERE run_id = $1 AND status IN ('failed', 'blocked')) AS failed`,
    [runId],
  );
  const status = rows[0]!.failed ? 'failed' : 'done';
  await client.query(`UPDATE pgphase.runs SET status = $2, finished_at = coalesce(finished_at, now()), report = $3 WHERE id = $1`, [
    runId,
    status,
    JSON.stringify(report),
  ]);
  return status;
}
