/**
 * pgphase.health_samples (framework file 0090): the health signals a runner process's gate last
 * read, written with its heartbeat (runner/run/presence.ts) for the report to draw.
 */
import type pg from 'pg';

/** The signals the report draws, as the gate read them at `at` (Unix ms). */
export interface HealthSignals {
  readonly at: number;
  readonly replicaLagMs: number | null;
  readonly activeBackends: number;
  readonly oldestXactMs: number | null;
}

export async function insertHealthSample(c: pg.ClientBase, runId: string, runner: string, s: HealthSignals): Promise<void> {
  await c.query(
    `INSERT INTO pgphase.health_samples (run_id, runner, at, replica_lag_ms, active_backends, oldest_xact_ms)
     VALUES ($1, $2, to_timestamp($3::float8 / 1000), $4, $5, $6)`,
    [
      runId,
      runner,
      s.at,
      s.replicaLagMs === null ? null : Math.round(s.replicaLagMs),
      s.activeBackends,
      s.oldestXactMs === null ? null : Math.round(s.oldestXactMs),
    ],
  );
}
