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
  readonly bucketSeconds: number;
  readonly time: TimeChart[];
  /** Throttle periods merged per reason, Unix seconds. */
  readonly throttle: { readonly reason: string; readonly start: number; readonly end: number }[];
  readonly timeline: { readonly lanes: { readonly label: string; readonly table: string; readonly start: number; readonly end: number; readonly status: string }[] };
  readonly quarantine: { readonly labels: string[]; readonly rows: number[] };
}

const MAX_BUCKETS = 150;
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
  const width = Math.max(1, Math.ceil((to - from) / 1_000 / MAX_BUCKETS));
  const buckets = Math.ceil((to - from) / 1_000 / width) + 1;
  const x = Array.from({ length: buckets }, (_, i) => Math.floor(from / 1_000) + i * width);
  const bucketOf = (t: number) => Math.min(buckets - 1, Math.floor((t - from) / 1_000 / width));
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
    quarantine: { labels: data.quarantine.map((q) => `${q.reason} · ${q.table}`), rows: data.quarantine.map((q) => q.rows) },
  };
}
