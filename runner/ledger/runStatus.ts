/**
 * The latest runs from the ledger, with their stored reports, for `pgphase status`.
 */
import type pg from 'pg';
import type { RunReport } from '../run/report.js';

export interface RunSummary {
  readonly id: string;
  readonly phases: string[];
  readonly status: 'running' | 'done' | 'failed';
  readonly startedAt: string;
  readonly finishedAt: string | null;
  readonly partitions: { readonly total: number; readonly done: number; readonly failed: number; readonly running: number };
  readonly report: RunReport | null;
}

export async function recentRuns(client: pg.ClientBase, limit = 5): Promise<RunSummary[]> {
  const { rows: exists } = await client.query<{ ok: boolean }>(`SELECT to_regclass('pgphase.run_steps') IS NOT NULL AS ok`);
  if (!exists[0]?.ok) return [];
  const { rows } = await client.query<{
    id: string;
    phases: string[];
    status: RunSummary['status'];
    started_at: Date;
    finished_at: Date | null;
    total: number;
    done: number;
    failed: number;
    running: number;
    report: RunReport | null;
  }>(
    `SELECT r.id::text, r.phases, r.status, r.started_at, r.finished_at, r.report,
            count(p.id)::int AS total, count(p.id) FILTER (WHERE p.status = 'done')::int AS done,
            count(p.id) FILTER (WHERE p.status = 'failed')::int AS failed,
            count(p.id) FILTER (WHERE p.status = 'running')::int AS running
       FROM pgphase.runs r LEFT JOIN pgphase.partitions p ON p.run_id = r.id
      GROUP BY r.id ORDER BY r.id DESC LIMIT $1`,
    [limit],
  );
  return rows.map((r) => ({
    id: r.id,
    phases: r.phases,
    status: r.status,
    startedAt: r.started_at.toISOString(),
    finishedAt: r.finished_at?.toISOString() ?? null,
    partitions: { total: r.total, done: r.done, failed: r.failed, running: r.running },
    report: r.report,
  }));
}
