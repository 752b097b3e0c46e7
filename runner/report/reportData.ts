/**
 * What a run's visual report shows, read from the ledger only (so a run shared by several
 * runner processes on several hosts has one report; the reads are runner/ledger/reportReads.ts's):
 * the run, its per-batch samples, throttle periods, partitions, errors by SQLSTATE, the
 * quarantine by reason and table, its events (pause, resume, tune, stop, abandon, promote) and
 * its runner processes' lifetimes (the gaps between them are interruptions), and the health
 * signals their gates read. Times are Unix milliseconds.
 */
import type pg from 'pg';
import { UsageError } from '../errors.js';
import {
  quarantineAsItStands,
  type ReportError,
  type ReportEvent,
  type ReportHealth,
  type ReportPartition,
  type ReportRun,
  type ReportRunner,
  type ReportSample,
  type ReportTable,
  reportErrors,
  reportEvents,
  reportHealth,
  reportPartitions,
  reportRun,
  reportRunners,
  reportSamples,
  reportTables,
  reportThrottle,
  runQuarantineByReason,
  type ThrottlePeriod,
} from '../ledger/reportReads.js';

export type { ReportEvent, ReportHealth, ReportPartition, ReportRunner, ReportSample, ThrottlePeriod } from '../ledger/reportReads.js';

export interface ReportData {
  readonly run: ReportRun;
  readonly tables: ReportTable[];
  readonly samples: ReportSample[];
  readonly throttle: ThrottlePeriod[];
  readonly partitions: ReportPartition[];
  readonly errors: ReportError[];
  readonly quarantine: { readonly reason: string; readonly table: string; readonly rows: number }[];
  readonly events: ReportEvent[];
  readonly runners: ReportRunner[];
  readonly health: ReportHealth[];
}

/** The newest run when `runId` is omitted; a clear error for an unknown one. */
export async function loadReportData(client: pg.ClientBase, runId?: string): Promise<ReportData> {
  const run = await reportRun(client, runId ?? null);
  if (!run) throw new UsageError(runId ? `run ${runId} does not exist` : 'there is no run yet', 'List runs with `pgphase status`.');
  const id = run.id;
  return {
    run,
    tables: await reportTables(client, id),
    samples: await reportSamples(client, id),
    throttle: await reportThrottle(client, id),
    partitions: await reportPartitions(client, id),
    errors: await reportErrors(client, id),
    // From its batches' samples (kept with the run), else, for a run whose samples recorded no
    // reasons, from pgphase.quarantine as it stands.
    quarantine: (await runQuarantineByReason(client, id)) ?? (await quarantineAsItStands(client, id)),
    events: await reportEvents(client, id),
    runners: await reportRunners(client, id),
    health: await reportHealth(client, id),
  };
}
