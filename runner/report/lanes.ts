/**
 * The report's lane charts (pure): a lane per partition, broken where the partition was not being
 * worked on, and a lane per worker with its busy and throttled periods. Times in, Unix
 * milliseconds; out, Unix seconds (uPlot's time scale).
 */
import type { ReportData, ReportSample } from './reportData.js';
import { cutSpan, type Interruption, mergeSpans, type Span, spanLength } from './spans.js';

/** A partition's lane: the periods it was worked on. */
export interface PartitionLane {
  readonly label: string;
  readonly table: string;
  readonly status: string;
  readonly segments: Span[];
}

/** A worker's lane: inside a batch (busy), waiting on the health gate (throttled), and the seconds of each. */
export interface WorkerLane {
  readonly worker: string;
  readonly busy: Span[];
  readonly throttled: Span[];
  readonly busySeconds: number;
  readonly throttledSeconds: number;
  readonly idleSeconds: number;
}

/** A pause between two batches of a partition longer than this many of its median batch times (and MIN_GAP_MS) breaks its lane. */
export const GAP_BATCHES = 4;
export const MIN_GAP_MS = 1_000;

const endOf = (s: ReportSample) => s.t + s.ms;
const seconds = (spans: readonly Span[]) => spans.map((s) => ({ start: s.start / 1_000, end: s.end / 1_000 }));
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

/**
 * One lane per partition. Its segments run from batch to batch; a gap longer than a few of its
 * batch times (another worker took the table's other partitions, the run was paused) or an
 * interruption ends one, so a partition is not drawn running while nothing worked on it.
 */
export function partitionLanes(data: ReportData, interruptions: readonly Interruption[], from: number): PartitionLane[] {
  const byPartition = new Map<string, ReportSample[]>();
  for (const s of data.samples) byPartition.set(s.partition, [...(byPartition.get(s.partition) ?? []), s]);
  return data.partitions.map((p) => {
    const mine = (byPartition.get(p.id) ?? []).sort((a, b) => a.t - b.t);
    const gap = Math.max(MIN_GAP_MS, GAP_BATCHES * median(mine.map((s) => s.ms)));
    const worked: Span[] = [];
    for (const s of mine) {
      const last = worked[worked.length - 1];
      if (last && s.t - last.end <= gap) worked[worked.length - 1] = { start: last.start, end: Math.max(last.end, endOf(s)) };
      else worked.push({ start: s.t, end: endOf(s) });
    }
    if (!worked.length) {
      const start = p.start ?? from;
      worked.push({ start, end: Math.max(start, p.end ?? start) });
    } else if (p.end !== null && p.end - worked[worked.length - 1]!.end <= gap) {
      const last = worked.pop()!;
      worked.push({ start: last.start, end: Math.max(last.end, p.end) });
    }
    const segments = worked.flatMap((s) => cutSpan(s, interruptions));
    return { label: `${p.table} [${p.lo}..${p.hi}]`, table: p.table, status: p.status, segments: seconds(segments) };
  });
}

/**
 * One lane per worker (`<runner>:w<n>`): its batches, and its runner process's throttle periods
 * within the process's life; idle is the rest of that life (waiting for a partition, paused, a
 * step waiting on another). Busy periods closer than `slackMs` are drawn as one.
 */
export function workerLanes(data: ReportData, slackMs: number): WorkerLane[] {
  const workers = [...new Set(data.samples.map((s) => s.worker))].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  return workers.map((worker) => {
    const mine = data.samples.filter((s) => s.worker === worker);
    const runner = data.runners.find((r) => worker.startsWith(`${r.runner}:`));
    const life: Span = runner ?? { start: Math.min(...mine.map((s) => s.t)), end: Math.max(...mine.map(endOf)) };
    const busy = mergeSpans(mine.map((s) => ({ start: s.t, end: endOf(s) })));
    const waits = data.throttle.filter((t) => (runner ? t.runner === runner.runner : t.runner !== undefined && worker.startsWith(`${t.runner}:`)));
    const throttled = mergeSpans(waits)
      .map((t) => ({ start: Math.max(t.start, life.start), end: Math.min(t.end, life.end) }))
      .filter((t) => t.end > t.start);
    const busyMs = spanLength(busy);
    const throttledMs = spanLength(throttled);
    return {
      worker,
      busy: seconds(mergeSpans(busy, slackMs)),
      throttled: seconds(throttled),
      busySeconds: round1(busyMs / 1_000),
      throttledSeconds: round1(throttledMs / 1_000),
      idleSeconds: round1(Math.max(0, life.end - life.start - busyMs - throttledMs) / 1_000),
    };
  });
}

const round1 = (n: number) => Math.round(n * 10) / 10;
