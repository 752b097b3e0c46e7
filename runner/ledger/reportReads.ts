/**
 * Reads of the ledger for reports: what a run's visual report shows (runner/report/reportData.ts:
 * the run, its per-batch samples in batch_samples, throttle periods in throttle_events, per-table
 * totals with their planned estimates, partitions, errors by SQLSTATE, the run's events
 * (run_events, and its blue-green build's promote and retirement), its runner processes'
 * lifetimes (run_runners) and the health signals their gates read (health_samples); times are Unix milliseconds), a run's stored report
 * (`pgphase report`), and the newest finished run's stored report (the odds demo).
 */
import type pg from 'pg';

export interface ReportSample {
  readonly phase: string;
  readonly table: string;
  readonly partition: string;
  readonly worker: string;
  /** Start of the batch's transaction. */
  readonly t: number;
  readonly rows: number;
  readonly staged: number;
  readonly quarantined: number;
  readonly ms: number;
  readonly size: number;
  readonly retries: number;
  readonly retrySqlstate: string | null;
  /** Rows quarantined by reason code; null when not recorded. */
  readonly reasons: Readonly<Record<string, number>> | null;
}

export interface ThrottlePeriod {
  readonly reason: string;
  /** The runner process whose workers waited (its workers are `<runner>:w<n>`); absent in merged periods. */
  readonly runner?: string;
  readonly start: number;
  readonly end: number;
}

export interface ReportPartition {
  readonly id: string;
  readonly phase: string;
  readonly table: string;
  readonly lo: string;
  readonly hi: string;
  readonly status: string;
  readonly start: number | null;
  readonly end: number | null;
  readonly worker: string | null;
  readonly rows: number;
  readonly retries: number;
}

/** The run row the visual report heads with. */
export interface ReportRun {
  readonly id: string;
  /** running, done, failed, or abandoned (`run --new --abandon` closed it). */
  readonly status: string;
  readonly phases: string[];
  readonly start: number;
  readonly end: number | null;
  /** The database's clock when the report read the run (the ETA counts from it). */
  readonly readAt: number;
}

/** One source table's totals over the run. */
export interface ReportTable {
  readonly phase: string;
  readonly table: string;
  readonly rowsIn: number;
  readonly staged: number;
  readonly quarantined: number;
  readonly batches: number;
  readonly retries: number;
  /** Rows its step was planned with (the source table's estimate); null until planned, or for older runs. */
  readonly estimatedRows: number | null;
}

/** An event of the run: a control change (run_events), or its blue-green build's promote or retirement. */
export interface ReportEvent {
  readonly at: number;
  /** pause, resume, tune, stop, lift, abandon, promote, retire. */
  readonly kind: string;
  readonly actor: string | null;
  readonly detail: Readonly<Record<string, unknown>> | null;
}

/** One runner process's life on the run: from registration to its end (or last heartbeat). */
export interface ReportRunner {
  readonly runner: string;
  readonly start: number;
  readonly end: number;
  /** done, interrupted, failed, ...; null when it never said (it died, or still runs). */
  readonly how: string | null;
}

/** The health signals a runner process's gate read at `at` (pgphase.health_samples). */
export interface ReportHealth {
  readonly at: number;
  readonly runner: string;
  readonly replicaLagMs: number | null;
  readonly activeBackends: number;
  readonly oldestXactMs: number | null;
}

/** Errors of one table by SQLSTATE. */
export interface ReportError {
  readonly phase: string;
  readonly table: string;
  readonly sqlstate: string;
  readonly count: number;
}

const ms = (column: string) => `(extract(epoch FROM ${column}) * 1000)::float8`;

/** Run `runId`, or the newest run when it is null; undefined when there is none. */
export async function reportRun(client: pg.ClientBase, runId: string | null): Promise<ReportRun | undefined> {
  const { rows: runs } = await client.query<ReportRun>(
    // r.id, not id: an unqualified ORDER BY names the output column first, which is id::text here,
    // and '9' sorts after '11'.
    `SELECT r.id::text, CASE WHEN k.abandoned_at IS NOT NULL THEN 'abandoned' ELSE r.status END AS status, r.phases,
            ${ms('r.started_at')} AS start, ${ms('r.finished_at')} AS end, ${ms('now()')} AS "readAt"
       FROM pgphase.runs r LEFT JOIN pgphase.run_control k ON k.run_id = r.id
      WHERE $1::bigint IS NULL OR r.id = $1::bigint ORDER BY r.id DESC LIMIT 1`,
    [runId],
  );
  return runs[0];
}

export async function reportTables(client: pg.ClientBase, id: string): Promise<ReportTable[]> {
  const tables = await client.query<ReportTable>(
    `SELECT s.phase, s.source_table AS table, coalesce(sum(p.rows_in), 0)::float8 AS "rowsIn", coalesce(sum(p.written), 0)::float8 AS staged,
            coalesce(sum(p.rejected), 0)::float8 AS quarantined, coalesce(sum(p.batches), 0)::int AS batches, coalesce(sum(p.retries), 0)::int AS retries,
            max(s.estimated_rows)::float8 AS "estimatedRows"
       FROM pgphase.run_steps s LEFT JOIN pgphase.partitions p ON p.step_id = s.id
      WHERE s.run_id = $1 GROUP BY s.phase, s.source_table, s.ordinal ORDER BY s.ordinal`,
    [id],
  );
  return tables.rows;
}

export async function reportSamples(client: pg.ClientBase, id: string): Promise<ReportSample[]> {
  const samples = await client.query<ReportSample>(
    `SELECT phase, source_table AS table, partition_id::text AS partition, worker, ${ms('started_at')} AS t, rows_in::float8 AS rows,
            staged::float8 AS staged, quarantined::float8 AS quarantined, ms, batch_size AS size, retries, retry_sqlstate AS "retrySqlstate",
            quarantine_reasons AS reasons
       FROM pgphase.batch_samples WHERE run_id = $1 ORDER BY started_at, partition_id`,
    [id],
  );
  return samples.rows;
}

export async function reportThrottle(client: pg.ClientBase, id: string): Promise<ThrottlePeriod[]> {
  const throttle = await client.query<ThrottlePeriod>(
    `SELECT reason, runner, ${ms('started_at')} AS start, ${ms('ended_at')} AS end FROM pgphase.throttle_events WHERE run_id = $1 ORDER BY started_at`,
    [id],
  );
  return throttle.rows;
}

export async function reportPartitions(client: pg.ClientBase, id: string): Promise<ReportPartition[]> {
  const partitions = await client.query<ReportPartition>(
    `SELECT id::text, phase, source_table AS table, lo::text, hi::text, status, ${ms('started_at')} AS start, ${ms('finished_at')} AS end,
            claimed_by AS worker, rows_in::float8 AS rows, retries
       FROM pgphase.partitions WHERE run_id = $1 ORDER BY step_id, lo`,
    [id],
  );
  return partitions.rows;
}

/**
 * The run's control events, and the promote and retirement of the blue-green versions it built,
 * in time order. A role that may not read pgphase.bluegreen_versions (a runner role: it builds no
 * blue-green phase) gets the control events alone.
 */
export async function reportEvents(client: pg.ClientBase, id: string): Promise<ReportEvent[]> {
  const { rows: may } = await client.query<{ ok: boolean }>(`SELECT has_table_privilege('pgphase.bluegreen_versions', 'SELECT') AS ok`);
  const versions = may[0]?.ok
    ? `UNION ALL SELECT promoted_at, 'promote', NULL, jsonb_build_object('phase', phase) FROM pgphase.bluegreen_versions WHERE run_id = $1 AND promoted_at IS NOT NULL
       UNION ALL SELECT retired_at, 'retire', NULL, jsonb_build_object('phase', phase, 'why', 'rolled back from, or superseded')
         FROM pgphase.bluegreen_versions WHERE run_id = $1 AND retired_at IS NOT NULL`
    : '';
  const { rows } = await client.query<ReportEvent>(
    `SELECT ${ms('at')} AS at, kind, actor, detail FROM (
       SELECT at, kind, actor, detail FROM pgphase.run_events WHERE run_id = $1
       ${versions}) e
      ORDER BY at, kind`,
    [id],
  );
  return rows;
}

/** The health signals the run's runner processes kept with their heartbeats, in time order. */
export async function reportHealth(client: pg.ClientBase, id: string): Promise<ReportHealth[]> {
  const { rows } = await client.query<ReportHealth>(
    `SELECT ${ms('at')} AS at, runner, replica_lag_ms::float8 AS "replicaLagMs", active_backends AS "activeBackends", oldest_xact_ms::float8 AS "oldestXactMs"
       FROM pgphase.health_samples WHERE run_id = $1 ORDER BY at`,
    [id],
  );
  return rows;
}

/** The run's runner processes, by start. */
export async function reportRunners(client: pg.ClientBase, id: string): Promise<ReportRunner[]> {
  const { rows } = await client.query<ReportRunner>(
    `SELECT runner, ${ms('started_at')} AS start, ${ms('greatest(started_at, coalesce(ended_at, last_seen))')} AS end, ended_how AS how
       FROM pgphase.run_runners WHERE run_id = $1 ORDER BY started_at, runner`,
    [id],
  );
  return rows;
}

export async function reportErrors(client: pg.ClientBase, id: string): Promise<ReportError[]> {
  const errors = await client.query<ReportError>(
    `SELECT p.phase, p.source_table AS table, e.key AS sqlstate, sum(e.value::int)::int AS count
       FROM pgphase.partitions p, jsonb_each_text(p.errors) e WHERE p.run_id = $1 GROUP BY 1, 2, 3 ORDER BY 4 DESC, 1, 2, 3`,
    [id],
  );
  return errors.rows;
}

/** Run `run` (or the newest run) with its stored report (null until it finished); undefined when there is none. */
export async function storedRunReport<R>(c: pg.ClientBase, run: string | null): Promise<{ id: string; report: R | null } | undefined> {
  const { rows } = await c.query<{ id: string; report: R | null }>(
    `SELECT r.id::text, r.report FROM pgphase.runs r WHERE $1::bigint IS NULL OR r.id = $1::bigint ORDER BY r.id DESC LIMIT 1`,
    [run],
  );
  return rows[0];
}

/**
 * The stored report of the newest run of exactly `phases` that is done and started after
 * `startedAfterSql`, an SQL expression of the caller's code (never user input: it is spliced into
 * the statement), so that the bound is read in the same statement; null when there is none.
 */
export async function newestDoneRunReport<R>(client: pg.ClientBase, phases: readonly string[], startedAfterSql: string): Promise<R | null> {
  const { rows } = await client.query<{ report: R | null }>(
    `SELECT report FROM pgphase.runs r
      WHERE r.phases = $1::text[] AND r.status = 'done'
        AND r.started_at > ${startedAfterSql}
      ORDER BY r.id DESC LIMIT 1`,
    [phases],
  );
  return rows[0]?.report ?? null;
}

/**
 * Rows run `id` quarantined, by reason and table, from its batches' samples (kept with the run:
 * true after later runs and replays took the rows over); rows a batch rejected that no reason
 * accounts for (a procedure with a quarantine of its own, samples from before reasons were kept)
 * count as 'unrecorded'. null when no sample of the run recorded reasons: the caller falls back to
 * pgphase.quarantine as it stands.
 */
export async function runQuarantineByReason(client: pg.ClientBase, id: string): Promise<{ reason: string; table: string; rows: number }[] | null> {
  const { rows } = await client.query<{ reason: string | null; table: string | null; rows: number; recorded: boolean }>(
    `WITH s AS (SELECT source_table, quarantined, quarantine_reasons FROM pgphase.batch_samples WHERE run_id = $1),
          by_reason AS (SELECT e.key AS reason, s.source_table AS "table", sum(e.value::bigint) AS n
                          FROM s, jsonb_each_text(s.quarantine_reasons) e GROUP BY 1, 2),
          rest AS (SELECT 'unrecorded' AS reason, s.source_table AS "table",
                          sum(s.quarantined) - coalesce((SELECT sum(b.n) FROM by_reason b WHERE b."table" = s.source_table), 0) AS n
                     FROM s GROUP BY 2)
     SELECT reason, "table", n::int AS rows, (SELECT bool_or(quarantine_reasons IS NOT NULL) FROM s) AS recorded
       FROM (SELECT * FROM by_reason UNION ALL SELECT * FROM rest WHERE n > 0) t
     UNION ALL SELECT NULL, NULL, 0, (SELECT coalesce(bool_or(quarantine_reasons IS NOT NULL), false) FROM s)
     ORDER BY 3 DESC, 1, 2`,
    [id],
  );
  if (!rows.some((r) => r.recorded)) return null;
  return rows.filter((r) => r.reason !== null).map((r) => ({ reason: r.reason!, table: r.table!, rows: r.rows }));
}

/** Rows of pgphase.quarantine attributed to run `id` now, by reason and table ([] without the table). */
export async function quarantineAsItStands(client: pg.ClientBase, id: string): Promise<{ reason: string; table: string; rows: number }[]> {
  const { rows: has } = await client.query<{ ok: boolean }>(`SELECT to_regclass('pgphase.quarantine') IS NOT NULL AS ok`);
  if (!has[0]?.ok) return [];
  const { rows } = await client.query<{ reason: string; table: string; rows: number }>(
    `SELECT reason_code AS reason, source_table AS table, count(*)::int AS rows FROM pgphase.quarantine WHERE run_id = $1 GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2`,
    [id],
  );
  return rows;
}
