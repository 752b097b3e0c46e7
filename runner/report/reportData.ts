/**
 * What a run's visual report shows, read from the ledger only (so a run shared by several
 * runner processes on several hosts has one report): the run, its per-batch samples
 * (pgphase.batch_samples), throttle periods (pgphase.throttle_events), partitions, errors by
 * SQLSTATE and quarantine by reason and table. Times are Unix milliseconds.
 */
import type pg from 'pg';
import { UsageError } from '../errors.js';

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
}

export interface ThrottlePeriod {
  readonly reason: string;
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

export interface ReportData {
  readonly run: { readonly id: string; readonly status: string; readonly phases: string[]; readonly start: number; readonly end: number | null };
  readonly tables: {
    readonly phase: string;
    readonly table: string;
    readonly rowsIn: number;
    readonly staged: number;
    readonly quarantined: number;
    readonly batches: number;
    readonly retries: number;
  }[];
  readonly samples: ReportSample[];
  readonly throttle: ThrottlePeriod[];
  readonly partitions: ReportPartition[];
  readonly errors: { readonly phase: string; readonly table: string; readonly sqlstate: string; readonly count: number }[];
  readonly quarantine: { readonly reason: string; readonly table: string; readonly rows: number }[];
}

const ms = (column: string) => `(extract(epoch FROM ${column}) * 1000)::float8`;

/** The newest run when `runId` is omitted; a clear error for an unknown one. */
export async function loadReportData(client: pg.ClientBase, runId?: string): Promise<ReportData> {
  const { rows: runs } = await client.query<{ id: string; status: string; phases: string[]; start: number; end: number | null }>(
    `SELECT id::text, status, phases, ${ms('started_at')} AS start, ${ms('finished_at')} AS end
       FROM pgphase.runs WHERE $1::bigint IS NULL OR id = $1::bigint ORDER BY id DESC LIMIT 1`,
    [runId ?? null],
  );
  const run = runs[0];
  if (!run) throw new UsageError(runId ? `run ${runId} does not exist` : 'there is no run yet', 'List runs with `pgphase status`.');
  const id = run.id;
  const tables = await client.query<ReportData['tables'][number]>(
    `SELECT s.phase, s.source_table AS table, coalesce(sum(p.rows_in), 0)::float8 AS "rowsIn", coalesce(sum(p.written), 0)::float8 AS staged,
            coalesce(sum(p.rejected), 0)::float8 AS quarantined, coalesce(sum(p.batches), 0)::int AS batches, coalesce(sum(p.retries), 0)::int AS retries
       FROM pgphase.run_steps s LEFT JOIN pgphase.partitions p ON p.step_id = s.id
      WHERE s.run_id = $1 GROUP BY s.phase, s.source_table, s.ordinal ORDER BY s.ordinal`,
    [id],
  );
  const samples = await client.query<ReportSample>(
    `SELECT phase, source_table AS table, partition_id::text AS partition, worker, ${ms('started_at')} AS t, rows_in::float8 AS rows,
            staged::float8 AS staged, quarantined::float8 AS quarantined, ms, batch_size AS size, retries, retry_sqlstate AS "retrySqlstate"
       FROM pgphase.batch_samples WHERE run_id = $1 ORDER BY started_at, partition_id`,
    [id],
  );
  const throttle = await client.query<ThrottlePeriod>(
    `SELECT reason, ${ms('started_at')} AS start, ${ms('ended_at')} AS end FROM pgphase.throttle_events WHERE run_id = $1 ORDER BY started_at`,
    [id],
  );
  const partitions = await client.query<ReportPartition>(
    `SELECT id::text, phase, source_table AS table, lo::text, hi::text, status, ${ms('started_at')} AS start, ${ms('finished_at')} AS end,
            claimed_by AS worker, rows_in::float8 AS rows, retries
       FROM pgphase.partitions WHERE run_id = $1 ORDER BY step_id, lo`,
    [id],
  );
  const errors = await client.query<ReportData['errors'][number]>(
    `SELECT p.phase, p.source_table AS table, e.key AS sqlstate, sum(e.value::int)::int AS count
       FROM pgphase.partitions p, jsonb_each_text(p.errors) e WHERE p.run_id = $1 GROUP BY 1, 2, 3 ORDER BY 4 DESC, 1, 2, 3`,
    [id],
  );
  return {
    run,
    tables: tables.rows,
    samples: samples.rows,
    throttle: throttle.rows,
    partitions: partitions.rows,
    errors: errors.rows,
    quarantine: await quarantineOfRun(client, id),
  };
}

/** Quarantined rows of the run by reason and table (from pgphase.quarantine, where it exists). */
async function quarantineOfRun(client: pg.ClientBase, runId: string): Promise<ReportData['quarantine']> {
  const { rows: has } = await client.query<{ ok: boolean }>(`SELECT to_regclass('pgphase.quarantine') IS NOT NULL AS ok`);
  if (!has[0]?.ok) return [];
  const { rows } = await client.query<ReportData['quarantine'][number]>(
    `SELECT reason_code AS reason, source_table AS table, count(*)::int AS rows FROM pgphase.quarantine WHERE run_id = $1 GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2`,
    [runId],
  );
  return rows;
}
