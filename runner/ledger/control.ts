/**
 * Operator control and runner state in `pgphase` (runner/framework/schema/0020_run_control.sql):
 * the pause flag and tuned limits every runner process reads before its batches, each runner
 * process's heartbeat (a run's working time is the union of their intervals), and throttled
 * time per reason. Each change of run_control appends its event to pgphase.run_events (0090) in
 * the same statement, so the history and the state commit together. Each function is one
 * statement, safe from any number of processes at once.
 */
import type pg from 'pg';

export interface RunControl {
  readonly paused: boolean;
  readonly pauseKind: 'operator' | 'stop';
  readonly pauseReason: string | null;
  readonly workers: number | null;
  readonly batchMax: number | null;
  readonly targetMs: number | null;
  readonly maxLagMs: number | null;
  readonly abandonedAt: string | null;
}

export const CONTROL_COLUMNS = `paused, pause_kind AS "pauseKind", pause_reason AS "pauseReason", workers, batch_max AS "batchMax",
  target_ms AS "targetMs", max_lag_ms AS "maxLagMs", abandoned_at::text AS "abandonedAt"`;

/**
 * The run's control row as one JSON value (null without a row), a scalar subquery on `$1` (the run
 * id): the health probe reads it inside its one query on the primary (runner/health/healthProbe.ts).
 */
export const CONTROL_ROW_SQL = `(SELECT row_to_json(c) FROM (SELECT ${CONTROL_COLUMNS} FROM pgphase.run_control WHERE run_id = $1) c)`;

/** The run's control row alone (the probe without health signals, --no-health-gate). */
export async function readControl(c: pg.ClientBase, runId: string): Promise<RunControl | null> {
  const { rows } = await c.query<{ control: RunControl | null }>(`SELECT ${CONTROL_ROW_SQL} AS control`, [runId]);
  return rows[0]?.control ?? null;
}

/** Appends `kind` to pgphase.run_events for the run the control statement `changeSql` (returning run_id) changed. */
const withEvent = (changeSql: string, kind: string, actor: string, detail: string) =>
  `WITH changed AS (${changeSql} RETURNING run_id)
   INSERT INTO pgphase.run_events (run_id, kind, actor, detail) SELECT run_id, ${kind}, ${actor}, ${detail} FROM changed`;

export async function setPause(
  c: pg.ClientBase,
  runId: string,
  pause: { paused: boolean; kind?: 'operator' | 'stop'; reason?: string | null; by: string },
): Promise<void> {
  const kind = !pause.paused ? 'resume' : pause.kind === 'stop' ? 'stop' : 'pause';
  await c.query(
    withEvent(
      `INSERT INTO pgphase.run_control AS c (run_id, paused, pause_kind, pause_reason, updated_by) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (run_id) DO UPDATE SET paused = $2, pause_kind = $3, pause_reason = $4, updated_by = $5, updated_at = now()`,
      '$6::text',
      '$5',
      `CASE WHEN $4::text IS NULL THEN NULL ELSE jsonb_build_object('reason', $4::text) END`,
    ),
    [runId, pause.paused, pause.kind ?? 'operator', pause.paused ? (pause.reason ?? null) : null, pause.by, kind],
  );
}

/** A stop-pause (error budget, critical threshold) is lifted when a runner resumes the run; an operator's pause is not. */
export async function liftStopPause(c: pg.ClientBase, runId: string, by: string): Promise<string | null> {
  const { rows } = await c.query<{ reason: string | null }>(
    `WITH lifted AS (
       UPDATE pgphase.run_control n SET paused = false, pause_reason = NULL, pause_kind = 'operator', updated_by = $2, updated_at = now()
         FROM pgphase.run_control o WHERE n.run_id = $1 AND o.run_id = n.run_id AND o.paused AND o.pause_kind = 'stop'
       RETURNING n.run_id, o.pause_reason AS reason),
     logged AS (INSERT INTO pgphase.run_events (run_id, kind, actor, detail) SELECT run_id, 'lift', $2, jsonb_build_object('reason', reason) FROM lifted)
     SELECT reason FROM lifted`,
    [runId, by],
  );
  return rows[0]?.reason ?? null;
}

export interface Tuning {
  readonly workers?: number;
  readonly batchMax?: number;
  readonly targetMs?: number;
  readonly maxLagMs?: number;
}

export async function setTuning(c: pg.ClientBase, runId: string, t: Tuning, by: string): Promise<void> {
  await c.query(
    withEvent(
      `INSERT INTO pgphase.run_control AS c (run_id, workers, batch_max, target_ms, max_lag_ms, updated_by) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (run_id) DO UPDATE SET workers = coalesce($2, c.workers), batch_max = coalesce($3, c.batch_max),
         target_ms = coalesce($4, c.target_ms), max_lag_ms = coalesce($5, c.max_lag_ms), updated_by = $6, updated_at = now()`,
      `'tune'`,
      '$6',
      `jsonb_strip_nulls(jsonb_build_object('workers', $2::int, 'batchMax', $3::int, 'targetMs', $4::int, 'maxLagMs', $5::int))`,
    ),
    [runId, t.workers ?? null, t.batchMax ?? null, t.targetMs ?? null, t.maxLagMs ?? null, by],
  );
}

export async function abandonRun(c: pg.ClientBase, runId: string, by: string): Promise<void> {
  await c.query(
    withEvent(
      `INSERT INTO pgphase.run_control AS c (run_id, abandoned_at, abandoned_by, updated_by) VALUES ($1, now(), $2, $2)
       ON CONFLICT (run_id) DO UPDATE SET abandoned_at = now(), abandoned_by = $2, updated_by = $2, updated_at = now()`,
      `'abandon'`,
      '$2',
      'NULL',
    ),
    [runId, by],
  );
}

/** Registers (or re-registers) this runner process on a run, alive for `leaseMs` unless it beats again. */
export async function registerRunner(c: pg.ClientBase, runId: string, runner: string, workers: number, leaseMs: number): Promise<void> {
  await c.query(
    `INSERT INTO pgphase.run_runners (run_id, runner, workers, lease_expires_at) VALUES ($1, $2, $3, now() + $4 * interval '1 millisecond')
     ON CONFLICT (run_id, runner) DO UPDATE SET last_seen = now(), ended_at = NULL, ended_how = NULL, workers = $3, lease_expires_at = excluded.lease_expires_at`,
    [runId, runner, workers, leaseMs],
  );
}

export async function heartbeat(
  c: pg.ClientBase,
  runId: string,
  runner: string,
  state: { state: string; reason: string | null; workers: number; leaseMs: number },
): Promise<void> {
  await c.query(
    `UPDATE pgphase.run_runners SET last_seen = now(), state = $3, reason = $4, workers = $5, lease_expires_at = now() + $6 * interval '1 millisecond'
      WHERE run_id = $1 AND runner = $2`,
    [runId, runner, state.state, state.reason, state.workers, state.leaseMs],
  );
}

export async function endRunner(c: pg.ClientBase, runId: string, runner: string, how: string): Promise<void> {
  await c.query(
    `UPDATE pgphase.run_runners SET last_seen = now(), ended_at = now(), ended_how = $3, state = 'ended', workers = 0, lease_expires_at = NULL
      WHERE run_id = $1 AND runner = $2`,
    [runId, runner, how],
  );
}

export async function addThrottled(c: pg.ClientBase, runId: string, deltas: ReadonlyMap<string, number>): Promise<void> {
  if (deltas.size === 0) return;
  await c.query(
    `INSERT INTO pgphase.run_throttle AS t (run_id, reason, ms) SELECT $1, r, m FROM unnest($2::text[], $3::bigint[]) AS d (r, m)
     ON CONFLICT (run_id, reason) DO UPDATE SET ms = t.ms + excluded.ms`,
    [runId, [...deltas.keys()], [...deltas.values()].map((v) => Math.round(v))],
  );
}

/** Throttled seconds per reason, over every runner process of the run. */
export async function throttledSeconds(c: pg.ClientBase, runId: string): Promise<Record<string, number>> {
  const { rows } = await c.query<{ reason: string; ms: string }>(
    `SELECT reason, ms::text FROM pgphase.run_throttle WHERE run_id = $1 AND ms > 0 ORDER BY reason`,
    [runId],
  );
  return Object.fromEntries(rows.map((r) => [r.reason, Math.round(Number(r.ms) / 100) / 10]));
}

/**
 * Working time of a run, ms: the union of its runner processes' intervals (start to end or last
 * heartbeat), so that hours a run sat interrupted between two runs do not count. Optionally
 * limited to [from, to] (a phase's span).
 */
export const WORKING_MS_SQL = `
  SELECT coalesce(sum(extract(epoch FROM upper(r) - lower(r)) * 1000), 0)::float8 AS ms
    FROM unnest((SELECT range_agg(tstzrange(started_at, greatest(started_at, coalesce(ended_at, last_seen)), '[]'))
                   FROM pgphase.run_runners WHERE run_id = $1)
                 * tstzmultirange(tstzrange($2::timestamptz, $3::timestamptz, '[]'))) AS r`;

export async function workingMs(c: pg.ClientBase, runId: string, from: string | null = null, to: string | null = null): Promise<number> {
  const { rows } = await c.query<{ ms: number }>(WORKING_MS_SQL, [runId, from, to]);
  return Math.round(rows[0]?.ms ?? 0);
}
