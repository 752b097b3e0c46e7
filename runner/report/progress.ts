/**
 * A run's progress (pure): the share of its planned rows processed, and while it runs, when it
 * should end at its recent pace. The planned row count is each step's estimate when it was
 * planned (pgphase.run_steps.estimated_rows), or the rows it read when that was more; a step not
 * planned yet has no estimate and is named, so the share is not read as the whole run's.
 */
import type { ReportData } from './reportData.js';

export interface Progress {
  readonly processed: number;
  readonly planned: number;
  readonly percent: number;
  /** phase · table of steps without an estimate (not planned yet, or planned before estimates were kept). */
  readonly unestimated: string[];
  /** Rows per second over the last PACE_WINDOW_MS of batches. */
  readonly rowsPerSecond: number;
  /** When the run should end at that pace, counted from when the report was read (Unix seconds); null unless it is running. */
  readonly eta: number | null;
}

export const PACE_WINDOW_MS = 60_000;

export function progressOf(data: ReportData): Progress | null {
  const processed = data.tables.reduce((a, t) => a + t.rowsIn, 0);
  const planned = data.tables.reduce((a, t) => a + Math.max(t.estimatedRows ?? 0, t.rowsIn), 0);
  if (planned <= 0) return null;
  const unestimated = data.tables.filter((t) => t.estimatedRows === null).map((t) => `${t.phase} · ${t.table}`);
  const rowsPerSecond = paceOf(data);
  const remaining = Math.max(0, planned - processed);
  const eta = data.run.status === 'running' && rowsPerSecond > 0 ? (data.run.readAt + (remaining / rowsPerSecond) * 1_000) / 1_000 : null;
  return { processed, planned, percent: Math.round((processed / planned) * 1_000) / 10, unestimated, rowsPerSecond: Math.round(rowsPerSecond), eta };
}

/** Rows per second of the batches that ended in the last PACE_WINDOW_MS before the last one ended. */
function paceOf(data: ReportData): number {
  if (!data.samples.length) return 0;
  const last = Math.max(...data.samples.map((s) => s.t + s.ms));
  const first = Math.min(...data.samples.map((s) => s.t));
  const window = Math.min(PACE_WINDOW_MS, last - first);
  if (window <= 0) return 0;
  const rows = data.samples.filter((s) => s.t + s.ms >= last - window).reduce((a, s) => a + s.rows, 0);
  return rows / (window / 1_000);
}

/** Percent of the planned rows processed by the end of each bucket (null after the last batch). */
export function progressSeries(data: ReportData, planned: number, bucketEnds: number[]): (number | null)[] {
  const ends = data.samples.map((s) => ({ at: s.t + s.ms, rows: s.rows })).sort((a, b) => a.at - b.at);
  const lastAt = ends.length ? ends[ends.length - 1]!.at : -Infinity;
  let i = 0;
  let sum = 0;
  return bucketEnds.map((end, b) => {
    while (i < ends.length && ends[i]!.at < end) sum += ends[i++]!.rows;
    const previousEnd = b > 0 ? bucketEnds[b - 1]! : -Infinity;
    if (previousEnd > lastAt) return null;
    return Math.round((sum / planned) * 1_000) / 10;
  });
}
