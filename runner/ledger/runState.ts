/**
 * Run and step state in the ledger: a run is created or resumed under a transaction-level
 * advisory lock; the statements of advancing a run (runner/run/advanceRun.ts: finish steps whose
 * partitions are settled, block steps that wait on a failed one, find the runnable ones);
 * finishRun settles the run once; the run
 * row's later writes (a failed build, the final report, abandonment, a quarantine replay's run).
 * Each function is one short transaction or statement, safe from any number of runner processes.
 */
import type pg from 'pg';
import { transaction } from '../db/transaction.js';
import type { Phase, PhaseStep } from '../phases.js';
import type { RunStatus, StepRow } from './types.js';

/** Transaction-level advisory lock taken while creating or resuming a run. */
const RUN_LOCK_KEY = '7232648511430961154';

/** How a new run's steps choose their keys: as declared, every step incremental, or every step whole. */
export type IncrementalMode = 'declared' | 'all' | 'none';

/**
 * The highest key the step last covered: of the newest done step of the same phase and source.
 * null when it never finished (the first incremental run goes over the whole source).
 */
async function lastMark(client: pg.ClientBase, phase: string, source: string): Promise<string | null> {
  const { rows } = await client.query<{ mark: string | null }>(
    `SELECT s.to_key::text AS mark FROM pgphase.run_steps s
      WHERE s.phase = $1 AND s.source_table = $2 AND s.status = 'done' AND s.to_key IS NOT NULL
      ORDER BY s.run_id DESC LIMIT 1`,
    [phase, source],
  );
  return rows[0]?.mark ?? null;
}

/** Resumes the newest unfinished run of the same phases, or creates one (`fresh` always creates). */
export async function createOrResumeRun(
  client: pg.ClientBase,
  phases: readonly Phase[],
  options: { fresh: boolean; settings: Record<string, unknown>; createdBy: string; incremental?: IncrementalMode },
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
    const mode = options.incremental ?? 'declared';
    for (const [ordinal, step] of steps.entries()) {
      const incremental = mode === 'all' || (mode === 'declared' && step.incremental === true);
      const from = incremental ? await lastMark(client, step.phase, step.source) : null;
      await client.query(
        `INSERT INTO pgphase.run_steps (run_id, ordinal, phase, source_table, procedure, key_column, after_tables, from_key)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [runId, ordinal, step.phase, step.source, step.procedure, step.key, (step.after ?? []).filter((t) => inRun.has(t)), from],
      );
    }
    return { runId, resumed: false };
  });
}

/**
 * The first statement of advancing a run (runner/run/advanceRun.ts): finishes the planned steps
 * whose partitions are all settled, failed if one of them failed.
 */
export async function finishSettledSteps(client: pg.ClientBase, runId: string): Promise<void> {
  await client.query(
    `UPDATE pgphase.run_steps s
        SET status = CASE WHEN EXISTS (SELECT 1 FROM pgphase.partitions p WHERE p.step_id = s.id AND p.status = 'failed')
                          THEN 'failed' ELSE 'done' END,
            finished_at = now()
      WHERE s.run_id = $1 AND s.status = 'planned'
        AND NOT EXISTS (SELECT 1 FROM pgphase.partitions p WHERE p.step_id = s.id AND p.status IN ('pending', 'running'))`,
    [runId],
  );
}

/** Blocks the waiting steps that wait on a failed or blocked one; returns how many (the caller repeats until none). */
export async function blockWaitingSteps(client: pg.ClientBase, runId: string): Promise<number> {
  const { rowCount } = await client.query(
    `UPDATE pgphase.run_steps s SET status = 'blocked', finished_at = now()
        WHERE s.run_id = $1 AND s.status = 'waiting'
          AND EXISTS (SELECT 1 FROM pgphase.run_steps d
                       WHERE d.run_id = s.run_id AND d.source_table = ANY (s.after_tables) AND d.status IN ('failed', 'blocked'))`,
    [runId],
  );
  return rowCount ?? 0;
}

/** The waiting steps whose prerequisites are all done, in order. */
export async function readySteps(client: pg.ClientBase, runId: string): Promise<StepRow[]> {
  const { rows } = await client.query<StepRow>(
    `SELECT s.* FROM pgphase.run_steps s
      WHERE s.run_id = $1 AND s.status = 'waiting'
        AND NOT EXISTS (SELECT 1 FROM pgphase.run_steps d
                         WHERE d.run_id = s.run_id AND d.source_table = ANY (s.after_tables) AND d.status <> 'done')
      ORDER BY s.ordinal`,
    [runId],
  );
  return rows;
}

/** Steps of the run not yet settled (waiting or planned). */
export async function openSteps(client: pg.ClientBase, runId: string): Promise<number> {
  const { rows } = await client.query<{ open: number }>(
    `SELECT count(*)::int AS open FROM pgphase.run_steps WHERE run_id = $1 AND status IN ('waiting', 'planned')`,
    [runId],
  );
  return rows[0]!.open;
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

/** Marks a finished run failed after all (a blue-green build of it failed verification). */
export async function markRunFailed(client: pg.ClientBase, runId: string): Promise<void> {
  await client.query(`UPDATE pgphase.runs SET status = 'failed' WHERE id = $1`, [runId]);
}

/** Stores the run's final report. */
export async function storeRunReport(client: pg.ClientBase, runId: string, report: unknown): Promise<void> {
  await client.query('UPDATE pgphase.runs SET report = $2 WHERE id = $1', [runId, JSON.stringify(report)]);
}

/** Closes an abandoned run as failed (`run --new --abandon`), if it is still running. */
export async function closeAbandonedRun(client: pg.ClientBase, runId: string, by: string): Promise<void> {
  await client.query(
    `UPDATE pgphase.runs SET status = 'failed', finished_at = now(), report = coalesce(report, '{}'::jsonb) || jsonb_build_object('abandoned', true, 'abandonedBy', $2::text)
        WHERE id = $1 AND status = 'running'`,
    [runId, by],
  );
}

/** The run row of a quarantine replay (runner/run/quarantine.ts); returns its id. */
export async function insertReplayRun(client: pg.ClientBase, reason: string | null): Promise<string> {
  const { rows: run } = await client.query<{ id: string }>(
    `INSERT INTO pgphase.runs (phases, options, created_by) VALUES ('{quarantine-replay}', $1, 'pgphase quarantine replay') RETURNING id`,
    [{ reason }],
  );
  return run[0]!.id;
}

/** Marks a quarantine replay's run done with its result. */
export async function finishReplayRun(client: pg.ClientBase, runId: string, result: unknown): Promise<void> {
  await client.query(`UPDATE pgphase.runs SET status = 'done', finished_at = now(), report = $2 WHERE id = $1`, [runId, result]);
}

/** What each step of the run covers: its lower bound (null: the whole source), for the run's log. */
export async function stepCoverage(client: pg.ClientBase, runId: string): Promise<{ phase: string; source: string; fromKey: string | null }[]> {
  const { rows } = await client.query<{ phase: string; source: string; fromKey: string | null }>(
    `SELECT phase, source_table AS source, from_key::text AS "fromKey" FROM pgphase.run_steps WHERE run_id = $1 ORDER BY ordinal`,
    [runId],
  );
  return rows;
}
