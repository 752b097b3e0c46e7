/**
 * Turns a run's report data into chart series (pure, no I/O) on one shared time axis of at most
 * ~150 buckets: progress, rows/s, the health signals the gate read, batch size, batch time p50 and p95, retries and quarantined
 * rows by reason over time; the run's events (control changes, throttle periods, interruptions)
 * to mark on every time chart and list below them; a lane per partition and per worker; the
 * quarantine by reason and table. Times in the charts are Unix seconds (uPlot's time scale). The
 * page draws them with uPlot.
 */
import { type PartitionLane, partitionLanes, type WorkerLane, workerLanes } from './lanes.js';
import { type Progress, progressOf, progressSeries } from './progress.js';
import { type ChartEvent, eventRows } from './events.js';
import type { ReportData, ReportSample, ThrottlePeriod } from './reportData.js';
import { interruptionsOf } from './spans.js';

export type { ChartEvent } from './events.js';

export interface TimeChart {
  readonly id: string;
  readonly title: string;
  readonly unit: string;
  readonly kind: 'line' | 'bars';
  /** Bucket start times, Unix seconds. */
  readonly x: number[];
  readonly series: { readonly label: string; readonly values: (number | null)[] }[];
}

export interface Charts {
  /** Width of a time bucket, in seconds (at least 0.25 s; about 150 buckets over the run). */
  readonly bucketSeconds: number;
  readonly time: TimeChart[];
  /** Throttle periods merged per reason, Unix seconds. */
  readonly throttle: { readonly reason: string; readonly start: number; readonly end: number }[];
  /** Periods when no runner process of the run was alive, Unix seconds. */
  readonly interruptions: { readonly start: number; readonly end: number }[];
  readonly events: ChartEvent[];
  readonly progress: Progress | null;
  readonly timeline: { readonly lanes: PartitionLane[] };
  readonly workers: WorkerLane[];
  /** Quarantined rows per reason and table: one category per pair, one series per table (null elsewhere). */
  readonly quarantine: { readonly labels: string[]; readonly series: { readonly table: string; readonly rows: (number | null)[] }[] };
}

const MAX_BUCKETS = 150;
const MIN_BUCKET_MS = 250;
const end = (s: ReportSample) => s.t + s.ms;

/** Merges overlapping periods of the same reason (several workers wait at once). */
export function mergeThrottle(periods: readonly ThrottlePeriod[]): ThrottlePeriod[] {
  const out: ThrottlePeriod[] = [];
  for (const p of [...periods].sort((a, b) => a.reason.localeCompare(b.reason) || a.start - b.start)) {
    const last = out[out.length - 1];
    if (last && last.reason === p.reason && p.start <= last.end)
      out[out.length - 1] = { reason: last.reason, start: last.start, end: Math.max(last.end, p.end) };
    else out.push({ reason: p.reason, start: p.start, end: p.end });
  }
  return out;
}

/** The value at quantile `q` of `values` (nearest rank). */
export function quantile(values: readonly number[], q: number): number | null {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export function buildCharts(data: ReportData): Charts {
  const samples = [...data.samples].sort((a, b) => end(a) - end(b));
  const interruptions = interruptionsOf(data.runners);
  const from = Math.min(data.run.start, ...samples.map((s) => s.t));
  const to = Math.max(from + 1_000, data.run.end ?? 0, ...samples.map(end), ...data.throttle.map((p) => p.end), ...data.runners.map((r) => r.end));
  const widthMs = Math.max(MIN_BUCKET_MS, Math.ceil((to - from) / MAX_BUCKETS / MIN_BUCKET_MS) * MIN_BUCKET_MS);
  const width = widthMs / 1_000;
  const origin = Math.floor(from / widthMs) * widthMs;
  const buckets = Math.floor((to - origin) / widthMs) + 1;
  const x = Array.from({ length: buckets }, (_, i) => (origin + i * widthMs) / 1_000);
  const bucketOf = (t: number) => Math.min(buckets - 1, Math.max(0, Math.floor((t - origin) / widthMs)));
  const keys = data.tables.map((t) => ({ label: `${t.phase} · ${t.table}`, match: (s: ReportSample) => s.phase === t.phase && s.table === t.table }));
  const reasons = [...new Set(samples.flatMap((s) => Object.keys(s.reasons ?? {})))].sort();

  /** One series per group of samples: `value` of each bucket's samples; empty buckets inside the group's span are 0 when `gapsAreZero`. */
  const bucketed = (
    groups: { label: string; match: (s: ReportSample) => boolean }[],
    value: (inBucket: ReportSample[]) => number | null,
    gapsAreZero: boolean,
  ) =>
    groups.map((k) => {
      const mine = samples.filter(k.match);
      const inBucket = Array.from({ length: buckets }, () => [] as ReportSample[]);
      for (const s of mine) inBucket[bucketOf(end(s))]!.push(s);
      const first = mine.length ? bucketOf(end(mine[0]!)) : buckets;
      const last = mine.length ? bucketOf(end(mine[mine.length - 1]!)) : -1;
      const values = inBucket.map((g, i) => (g.length ? value(g) : gapsAreZero && i >= first && i <= last ? 0 : null));
      return { label: k.label, values };
    });
  const sum = (g: ReportSample[], f: (s: ReportSample) => number) => g.reduce((a, s) => a + f(s), 0);
  const batchTime = (q: number, suffix: string) =>
    bucketed(
      keys.map((k) => ({ ...k, label: `${k.label} ${suffix}` })),
      (g) =>
        quantile(
          g.map((s) => s.ms),
          q,
        ),
      false,
    );

  const progress = progressOf(data);
  const time: TimeChart[] = [
    ...(progress
      ? [
          {
            id: 'progress',
            title: 'Progress',
            unit: '% of planned rows',
            kind: 'line' as const,
            x,
            series: [
              {
                label: 'processed',
                values: progressSeries(
                  data,
                  progress.planned,
                  x.map((t) => (t + width) * 1_000),
                ),
              },
            ],
          },
        ]
      : []),
    { id: 'throughput', title: 'Throughput', unit: 'rows/s', kind: 'line', x, series: bucketed(keys, (g) => Math.round(sum(g, (s) => s.rows) / width), true) },
    ...(data.health.length ? [healthChart(data, x, bucketOf)] : []),
    { id: 'batch-size', title: 'Batch size', unit: 'keys', kind: 'line', x, series: bucketed(keys, (g) => g[g.length - 1]!.size, false) },
    { id: 'batch-time', title: 'Batch time (p50 and p95)', unit: 'ms', kind: 'line', x, series: [...batchTime(0.5, 'p50'), ...batchTime(0.95, 'p95')] },
    {
      id: 'retries',
      title: 'Retries before committed batches',
      unit: 'retries',
      kind: 'bars',
      x,
      series: bucketed(keys, (g) => sum(g, (s) => s.retries), true),
    },
    ...(reasons.length
      ? [
          {
            id: 'quarantine-time',
            title: 'Quarantined rows by reason',
            unit: 'rows',
            kind: 'bars' as const,
            x,
            series: reasons.map((r) => ({ label: r, values: quarantinedPerBucket(samples, r, buckets, bucketOf) })),
          },
        ]
      : []),
  ];
  const throttle = mergeThrottle(data.throttle);
  return {
    bucketSeconds: width,
    time,
    throttle: throttle.map((p) => ({ reason: p.reason, start: p.start / 1_000, end: p.end / 1_000 })),
    interruptions: interruptions.map((i) => ({ start: i.start / 1_000, end: i.end / 1_000 })),
    events: eventRows(data.events, throttle, interruptions),
    progress,
    timeline: { lanes: partitionLanes(data, interruptions, from) },
    workers: workerLanes(data, widthMs / 4),
    quarantine: quarantineBars(data.quarantine),
  };
}

/** The signals the runner processes' gates read, the highest of each bucket (over processes): lag and transaction age in seconds. */
function healthChart(data: ReportData, x: number[], bucketOf: (t: number) => number): TimeChart {
  const signal = (label: string, value: (h: ReportData['health'][number]) => number | null) => {
    const values: (number | null)[] = x.map(() => null);
    for (const h of data.health) {
      const v = value(h);
      const b = bucketOf(h.at);
      if (v !== null) values[b] = Math.max(values[b] ?? -Infinity, v);
    }
    return { label, values };
  };
  const s = (ms: number | null) => (ms === null ? null : Math.round(ms / 100) / 10);
  return {
    id: 'health',
    title: 'Health signals the gate read',
    unit: 's · backends',
    kind: 'line',
    x,
    series: [
      signal('replica lag (s)', (h) => s(h.replicaLagMs)),
      signal('active backends', (h) => h.activeBackends),
      signal('oldest transaction (s)', (h) => s(h.oldestXactMs)),
    ],
  };
}

/** Rows quarantined for `reason` per bucket (by the end of each batch). */
function quarantinedPerBucket(samples: ReportSample[], reason: string, buckets: number, bucketOf: (t: number) => number): (number | null)[] {
  const values: (number | null)[] = Array.from({ length: buckets }, () => null);
  for (const s of samples) {
    const n = s.reasons?.[reason] ?? 0;
    if (n > 0) values[bucketOf(end(s))] = (values[bucketOf(end(s))] ?? 0) + n;
  }
  return values;
}

function quarantineBars(rows: ReportData['quarantine']): Charts['quarantine'] {
  const tables = [...new Set(rows.map((q) => q.table))].sort();
  const ordered = [...rows].sort((a, b) => tables.indexOf(a.table) - tables.indexOf(b.table) || b.rows - a.rows || a.reason.localeCompare(b.reason));
  return {
    labels: ordered.map((q) => `${q.reason} · ${q.table}`),
    series: tables.map((table) => ({ table, rows: ordered.map((q) => (q.table === table ? q.rows : null)) })),
  };
}
