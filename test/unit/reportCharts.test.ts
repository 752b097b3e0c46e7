import { describe, expect, it } from 'vitest';
import { buildCharts, mergeThrottle } from '../../runner/report/reportCharts.js';
import type { ReportData, ReportSample } from '../../runner/report/reportData.js';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const sample = (table: string, t: number, rows: number, extra: Partial<ReportSample> = {}): ReportSample => ({
  phase: 'staging',
  table,
  partition: '1',
  worker: 'w1',
  t: T0 + t,
  rows,
  staged: rows,
  quarantined: 0,
  ms: 100,
  size: 500,
  retries: 0,
  retrySqlstate: null,
  ...extra,
});
const data = (samples: ReportSample[], extra: Partial<ReportData> = {}): ReportData => ({
  run: { id: '7', status: 'done', phases: ['staging'], start: T0, end: T0 + 60_000 },
  tables: [
    { phase: 'staging', table: 'raw.a', rowsIn: 0, staged: 0, quarantined: 0, batches: 0, retries: 0 },
    { phase: 'staging', table: 'raw.b', rowsIn: 0, staged: 0, quarantined: 0, batches: 0, retries: 0 },
  ],
  samples,
  throttle: [],
  partitions: [],
  errors: [],
  quarantine: [],
  ...extra,
});

describe('report charts', () => {
  it('throughput buckets keep every row: sum of rows/s × bucket width = rows per table', () => {
    const samples = Array.from({ length: 200 }, (_, i) => sample(i % 3 ? 'raw.a' : 'raw.b', i * 290, 100 + i));
    const charts = buildCharts(data(samples));
    const throughput = charts.time.find((c) => c.id === 'throughput')!;
    expect(throughput.x.length).toBeLessThanOrEqual(152);
    for (const table of ['raw.a', 'raw.b']) {
      const rows = samples.filter((s) => s.table === table).reduce((a, s) => a + s.rows, 0);
      const series = throughput.series.find((s) => s.label === `staging · ${table}`)!;
      const total = series.values.reduce<number>((a, v) => a + (v ?? 0) * charts.bucketSeconds, 0);
      expect(Math.abs(total - rows)).toBeLessThanOrEqual(series.values.length * charts.bucketSeconds);
    }
  });

  it("a table with no samples has no points; gaps inside a table's span are zero throughput", () => {
    const charts = buildCharts(data([sample('raw.a', 0, 10), sample('raw.a', 30_000, 10)]));
    const [a, b] = charts.time.find((c) => c.id === 'throughput')!.series;
    expect(b!.values.every((v) => v === null)).toBe(true);
    expect(a!.values.filter((v) => v === 0).length).toBeGreaterThan(10);
    expect(a!.values.at(-1)).toBeNull(); // after its last batch
  });

  it('batch size is the last size in the bucket, retries are summed', () => {
    const charts = buildCharts(data([sample('raw.a', 0, 10, { size: 100, retries: 2 }), sample('raw.a', 50, 10, { size: 300, retries: 1 })]));
    const at = (id: string) => charts.time.find((c) => c.id === id)!.series[0]!.values.find((v) => v !== null && v !== 0);
    expect(at('batch-size')).toBe(300);
    expect(at('retries')).toBe(3);
  });

  it('merges overlapping throttle periods of one reason, keeps reasons apart', () => {
    expect(
      mergeThrottle([
        { reason: 'lag', start: 0, end: 10 },
        { reason: 'lag', start: 5, end: 20 },
        { reason: 'lag', start: 30, end: 40 },
        { reason: 'load', start: 8, end: 9 },
      ]),
    ).toEqual([
      { reason: 'lag', start: 0, end: 20 },
      { reason: 'lag', start: 30, end: 40 },
      { reason: 'load', start: 8, end: 9 },
    ]);
  });

  it('quarantine: one category per reason and table, each table its own series', () => {
    const charts = buildCharts(
      data([], {
        quarantine: [
          { reason: 'bad', table: 'raw.b', rows: 5 },
          { reason: 'bad', table: 'raw.a', rows: 3 },
          { reason: 'odd', table: 'raw.a', rows: 9 },
        ],
      }),
    );
    expect(charts.quarantine.labels).toEqual(['odd · raw.a', 'bad · raw.a', 'bad · raw.b']);
    expect(charts.quarantine.series).toEqual([
      { table: 'raw.a', rows: [9, 3, null] },
      { table: 'raw.b', rows: [null, null, 5] },
    ]);
  });

  it('a run without samples (older than them, or just started) still charts: empty series, no throw', () => {
    const charts = buildCharts(data([], { run: { id: '1', status: 'running', phases: ['staging'], start: T0, end: null } }));
    expect(charts.time.every((c) => c.x.length >= 1 && c.series.every((s) => s.values.every((v) => v === null)))).toBe(true);
    expect(charts.timeline.lanes).toEqual([]);
  });
});
