/**
 * Turns a run's report data into chart series (pure, no I/O): rows/s, batch size, batch time
 * and retries over time per phase and table, on one shared time axis of at most ~150 buckets;
 * a lane per partition for the timeline; quarantined rows by reason and table. Times in the
 * charts are Unix seconds (uPlot's time scale). The page draws them with uPlot.
 */
import type { ReportData, ReportSample, ThrottlePeriod } from './reportData.js';

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
  readonly timeline: {
    readonly lanes: { readonly label: string; readonly table: string; readonly start: number; readonly end: number; readonly status: string }[];
  };
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
    if (last && last.reason === p.reason && p.start <= last.end) out[out.length - 1] = { ...last, end: Math.max(last.end, p.end) };
    else out.push({ ...p });
  }
  return out;
}

export function buildCharts(data: ReportData): Charts {
  const samples = [...data.samples].sort((a, b) => end(a) - end(b));
  const from = Math.min(data.run.start, ...samples.map((s) => s.t));
  const to = Math.max(from + 1_000, data.run.end ?? 0, ...samples.map(end), ...data.throttle.map((p) => p.end));
  const widthMs = Math.max(MIN_BUCKET_MS, Math.ceil((to - from) / MAX_BUCKETS / MIN_BUCKET_MS) * MIN_BUCKET_MS);
  const width = widthMs / 1_000;
  const origin = Math.floor(from / widthMs) * widthMs;
  const buckets = Math.floor((to - origin) / widthMs) + 1;
  const x = Array.from({ length: buckets }, (_, i) => (origin + i * widthMs) / 1_000);
  const bucketOf = (t: number) => Math.min(buckets - 1, Math.max(0, Math.floor((t - origin) / widthMs)));
  const keys = data.tables.map((t) => ({ label: `${t.phase} · ${t.table}`, phase: t.phase, table: t.table }));

  const perKey = (value: (inBucket: ReportSample[]) => number | null, gapsAreZero: boolean) =>
    keys.map((k) => {
      const mine = samples.filter((s) => s.phase === k.phase && s.table === k.table);
      const groups = Array.from({ length: buckets }, () => [] as ReportSample[]);
      for (const s of mine) groups[bucketOf(end(s))]!.push(s);
      const first = mine.length ? bucketOf(end(mine[0]!)) : buckets;
      const last = mine.length ? bucketOf(end(mine[mine.length - 1]!)) : -1;
      const values = groups.map((g, i) => (g.length ? value(g) : gapsAreZero && i >= first && i <= last ? 0 : null));
      return { label: k.label, values };
    });
  const sum = (g: ReportSample[], f: (s: ReportSample) => number) => g.reduce((a, s) => a + f(s), 0);

  const time: TimeChart[] = [
    { id: 'throughput', title: 'Throughput', unit: 'rows/s', kind: 'line', x, series: perKey((g) => Math.round(sum(g, (s) => s.rows) / width), true) },
    { id: 'batch-size', title: 'Batch size', unit: 'keys', kind: 'line', x, series: perKey((g) => g[g.length - 1]!.size, false) },
    { id: 'batch-time', title: 'Batch time (mean)', unit: 'ms', kind: 'line', x, series: perKey((g) => Math.round(sum(g, (s) => s.ms) / g.length), false) },
    { id: 'retries', title: 'Retries before committed batches', unit: 'retries', kind: 'bars', x, series: perKey((g) => sum(g, (s) => s.retries), true) },
  ];
  const lanes = data.partitions.map((p) => {
    const mine = samples.filter((s) => s.partition === p.id);
    const start = p.start ?? (mine.length ? mine[0]!.t : from);
    const stop = p.end ?? (mine.length ? Math.max(...mine.map(end)) : start);
    return { label: `${p.table} [${p.lo}..${p.hi}]`, table: p.table, start: start / 1_000, end: Math.max(stop, start) / 1_000, status: p.status };
  });
  return {
    bucketSeconds: width,
    time,
    throttle: mergeThrottle(data.throttle).map((p) => ({ reason: p.reason, start: p.start / 1_000, end: p.end / 1_000 })),
    timeline: { lanes },
    quarantine: quarantineBars(data.quarantine),
  };
}

function quarantineBars(rows: ReportData['quarantine']): Charts['quarantine'] {
  const tables = [...new Set(rows.map((q) => q.table))].sort();
  const ordered = [...rows].sort((a, b) => tables.indexOf(a.table) - tables.indexOf(b.table) || b.rows - a.rows || a.reason.localeCompare(b.reason));
  return {
    labels: ordered.map((q) => `${q.reason} · ${q.table}`),
    series: tables.map((table) => ({ table, rows: ordered.map((q) => (q.table === table ? q.rows : null)) })),
  };
}
