/**
 * A run's life as the ledger's leases tell it (schema 0070_leases.sql): a run marked running is
 * `live` while a runner process that has not ended holds an unexpired lease on it (or on one of
 * its partitions), `interrupted` when none does (Ctrl-C, a crash, a lost host, once its lease
 * expired): it waits to be resumed. Nothing here reads a session's locks, which a
 * transaction-mode pooler hands to others and keeps after the runner is gone. Used by `status`, by `run` (which
 * resumes the newest unfinished run and refuses `--new` beside one unless `--abandon`) and by
 * pause/resume/tune (which default to the newest unfinished run).
 */
import type pg from 'pg';
import { UsageError } from '../errors.js';

export interface UnfinishedRun {
  readonly id: string;
  readonly phases: string[];
  readonly live: boolean;
  readonly paused: boolean;
  readonly pauseKind: 'operator' | 'stop' | null;
  readonly pauseReason: string | null;
  /** A live runner process's state other than running (throttled: reason), if any. */
  readonly throttled: string | null;
}

const LIVE_SQL = `(EXISTS (SELECT 1 FROM pgphase.run_runners w WHERE w.run_id = r.id AND w.ended_at IS NULL AND w.lease_expires_at > now())
      OR EXISTS (SELECT 1 FROM pgphase.partitions p WHERE p.run_id = r.id AND p.status = 'running' AND p.lease_expires_at > now()))`;

/** Unfinished (running, not abandoned) runs, newest first. */
export async function unfinishedRuns(c: pg.ClientBase): Promise<UnfinishedRun[]> {
  const { rows } = await c.query<UnfinishedRun>(
    `SELECT r.id::text, r.phases, ${LIVE_SQL} AS live, coalesce(k.paused, false) AS paused,
            CASE WHEN k.paused THEN k.pause_kind END AS "pauseKind", k.pause_reason AS "pauseReason",
            (SELECT w.state || ': ' || w.reason FROM pgphase.run_runners w WHERE w.run_id = r.id AND w.ended_at IS NULL
                AND w.state IN ('throttled', 'paused', 'stopping') ORDER BY w.last_seen DESC LIMIT 1) AS throttled
       FROM pgphase.runs r LEFT JOIN pgphase.run_control k ON k.run_id = r.id
      WHERE r.status = 'running' AND k.abandoned_at IS NULL
      ORDER BY r.id DESC`,
  );
  return rows;
}

/** Whether pgphase's run_control table exists yet (it does not before the framework schema is installed). */
export async function hasRunControl(c: pg.ClientBase): Promise<boolean> {
  const { rows } = await c.query<{ ok: boolean }>(`SELECT to_regclass('pgphase.run_control') IS NOT NULL AS ok`);
  return rows[0]?.ok ?? false;
}

/** The run named on the command line, or the newest unfinished run. */
export async function resolveRun(c: pg.ClientBase, arg: string | undefined): Promise<UnfinishedRun> {
  const runs = await unfinishedRuns(c);
  if (arg !== undefined) {
    if (!/^[0-9]{1,18}$/.test(arg)) throw new UsageError(`RUN must be a run id (a whole number), not ${JSON.stringify(arg.slice(0, 40))}`);
    const run = runs.find((r) => r.id === String(BigInt(arg)));
    if (!run) throw new UsageError(`run ${arg} is not unfinished (it is done, failed, abandoned or unknown)`, 'pgphase status lists the runs.');
    return run;
  }
  if (!runs[0]) throw new UsageError('there is no unfinished run', 'pgphase status lists the runs.');
  return runs[0];
}
