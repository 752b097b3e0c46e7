/**
 * What a run's visual report shows, read from the ledger only (so a run shared by several
 * runner processes on several hosts has one report; the reads are runner/ledger/reportReads.ts's):
 * the run, its per-batch samples, throttle periods, partitions, errors by SQLSTATE, and the
 * quarantine by reason and table. Times are Unix milliseconds.
 */
import type pg from 'pg';
import { UsageError } from '../errors.js';
import {
  type ReportError,
  type ReportPartition,
  type ReportSample,
  type ReportTable,
  reportErrors,
  reportPartitions,
  reportRun,
  reportSamples,
  reportTables,
  reportThrottle,
  runQuarantineByReason,
  type ThrottlePeriod,
} from '../ledger/reportReads.js';

export type { ReportPartition, ReportSample, ThrottlePeriod } from '../ledger/reportReads.js';

export interface ReportData {
  readonly run: { readonly id: string; readonly status: string; readonly phases: string[]; readonly start: number; readonly end: number | null };
  readonly tables: ReportTable[];
  readonly samples: ReportSample[];
  readonly throttle: ThrottlePeriod[];
  readonly partitions: ReportPartition[];
  readonly errors: ReportError[];
  readonly quarantine: { readonly reason: string; readonly table: string; readonly rows: number }[];
}

/** The newest run when `runId` is omitted; a clear error for an unknown one. */
export async function loadReportData(client: pg.ClientBase, runId?: string): Promise<ReportData> {
  const run = await reportRun(client, runId ?? null);
  if (!run) throw new UsageError(runId ? `run ${runId} does not exist` : 'there is no run yet', 'List runs with `pgphase status`.');
  const id = run.id;
  const tables = await reportTables(client, id);
  const samples = await reportSamples(client, id);
  const throttle = await reportThrottle(client, id);
  const partitions = await reportPartitions(client, id);
  const errors = await reportErrors(client, id);
  return {
    run,
    tables,
    samples,
    throttle,
    partitions,
    errors,
    quarantine: await quarantineOfRun(client, id),
  };
}

/**
 * Quarantined rows of the run by reason and table: from its batches' samples (kept with the run),
 * else, for a run whose samples recorded no reasons, from pgphase.quarantine as it stands.
 */
async function quarantineOfRun(client: pg.ClientBase, runId: string): Promise<ReportData['quarantine']> {
  const kept = await runQuarantineByReason(client, runId);
  if (kept) return kept;
  const { rows: has } = await client.query<{ ok: boolean }>(`SELECT to_regclass('pgphase.quarantine') IS NOT NULL AS ok`);
  if (!has[0]?.ok) return [];
  const { rows } = await client.query<ReportData['quarantine'][number]>(
    `SELECT reason_code AS reason, source_table AS table, count(*)::int AS rows FROM pgphase.quarantine WHERE run_id = $1 GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2`,
    [runId],
  );
  return rows;
}
