import { describe, expect, it } from 'vitest';
import { buildCharts, mergeThrottle, quantile } from '../../runner/report/reportCharts.js';
import { cutSpan, interruptionsOf } from '../../runner/report/spans.js';
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
  reasons: null,
  ...extra,
});
const data = (samples: ReportSample[], extra: Partial<ReportData> = {}): ReportData => ({
  run: { id: '7', status: 'done', phases: ['staging'], start: T0, end: T0 + 60_000, readAt: T0 + 60_000 },
  tables: [
    { phase: 'staging', table: 'raw.a', rowsIn: 0, staged: 0, quarantined: 0, batches: 0, retries: 0, estimatedRows: null },
    { phase: 'staging', table: 'raw.b', rowsIn: 0, staged: 0, quarantined: 0, batches: 0, retries: 0, estimatedRows: null },
  ],
  samples,
  throttle: [],
  partitions: [],
  errors: [],
  quarantine: [],
  events: [],
  runners: [],
  health: [],
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
    const charts = buildCharts(data([], { run: { id: '1', status: 'running', phases: ['staging'], start: T0, end: null, readAt: T0 } }));
    expect(charts.time.every((c) => c.x.length >= 1 && c.series.every((s) => s.values.every((v) => v === null)))).toBe(true);
    expect(charts.timeline.lanes).toEqual([]);
  });

  it('batch time is p50 and p95 per bucket (nearest rank), not the mean', () => {
    expect(quantile([], 0.95)).toBeNull();
    expect(quantile([5, 1, 3], 0.5)).toBe(3);
    const ms = Array.from({ length: 20 }, (_, i) => (i + 1) * 10); // 10..200 in one bucket
    const charts = buildCharts(data(ms.map((m, i) => sample('raw.a', i, 10, { ms: m }))));
    const chart = charts.time.find((c) => c.id === 'batch-time')!;
    expect(chart.series.map((s) => s.label)).toEqual(['staging · raw.a p50', 'staging · raw.b p50', 'staging · raw.a p95', 'staging · raw.b p95']);
    const first = (label: string) => chart.series.find((s) => s.label === label)!.values.find((v) => v !== null);
    expect(first('staging · raw.a p50')).toBe(100);
    expect(first('staging · raw.a p95')).toBe(190);
  });

  it('an interruption is the gap between runner processes, and not one where they overlap', () => {
    const runners = [
      { runner: 'h:1:a', start: T0, end: T0 + 10_000, how: 'interrupted' },
      { runner: 'h:2:b', start: T0 + 25_000, end: T0 + 40_000, how: null },
      { runner: 'h:3:c', start: T0 + 30_000, end: T0 + 50_000, how: 'done' },
    ];
    expect(interruptionsOf(runners)).toEqual([{ start: T0 + 10_000, end: T0 + 25_000, ended: [{ runner: 'h:1:a', how: 'interrupted' }], resumedBy: 'h:2:b' }]);
    expect(
      cutSpan({ start: 0, end: 100 }, [
        { start: 20, end: 30 },
        { start: 90, end: 120 },
      ]),
    ).toEqual([
      { start: 0, end: 20 },
      { start: 30, end: 90 },
    ]);
  });

  it("a partition's lane breaks at a gap of many batch times and at an interruption, not between close batches", () => {
    const part = {
      id: '1',
      phase: 'staging',
      table: 'raw.a',
      lo: '1',
      hi: '100',
      status: 'done',
      start: T0,
      end: T0 + 40_100,
      worker: 'w1',
      rows: 0,
      retries: 0,
    };
    const samples = [
      sample('raw.a', 0, 10), // 0..100
      sample('raw.a', 150, 10), // close: same segment
      sample('raw.a', 5_000, 10), // 4.75 s later: a gap (> 1 s and > 4 batch times)
      sample('raw.a', 5_100, 10),
      sample('raw.a', 40_000, 10), // after the interruption below
    ];
    const runners = [
      { runner: 'h:1:a', start: T0, end: T0 + 10_000, how: 'interrupted' },
      { runner: 'h:2:b', start: T0 + 39_000, end: T0 + 41_000, how: 'done' },
    ];
    const charts = buildCharts(data(samples, { partitions: [part], runners }));
    const s = (ms: number) => (T0 + ms) / 1_000;
    expect(charts.timeline.lanes[0]!.segments).toEqual([
      { start: s(0), end: s(250) },
      { start: s(5_000), end: s(5_200) },
      { start: s(40_000), end: s(40_100) },
    ]);
    expect(charts.interruptions).toEqual([{ start: s(10_000), end: s(39_000) }]);
    // A partition whose batches straddle an interruption's edge is cut at it.
    const straddling = buildCharts(data([sample('raw.a', 9_900, 10, { ms: 300 })], { partitions: [part], runners }));
    expect(straddling.timeline.lanes[0]!.segments[0]).toEqual({ start: s(9_900), end: s(10_000) });
  });

  it('events: control changes as markers, throttle periods and interruptions as periods, in time order, with who and why', () => {
    const charts = buildCharts(
      data([sample('raw.a', 0, 10)], {
        events: [
          { at: T0 + 2_000, kind: 'pause', actor: 'ops@box', detail: { reason: 'paused by ops@box: vacuum first' } },
          { at: T0 + 8_000, kind: 'resume', actor: 'ops@box', detail: null },
          { at: T0 + 9_000, kind: 'tune', actor: 'ops@box', detail: { workers: 2, batchMax: 500 } },
        ],
        throttle: [{ reason: 'replica_lag', runner: 'h:1:a', start: T0 + 1_000, end: T0 + 1_500 }],
        runners: [
          { runner: 'h:1:a', start: T0, end: T0 + 3_000, how: 'interrupted' },
          { runner: 'h:2:b', start: T0 + 5_000, end: T0 + 20_000, how: 'done' },
        ],
      }),
    );
    expect(charts.events.map((e) => [e.kind, e.actor, e.why, e.until === null])).toEqual([
      ['throttle', 'health gate', 'replica_lag', false],
      ['pause', 'ops@box', 'paused by ops@box: vacuum first', true],
      ['interrupted', 'h:1:a', 'no runner process alive: interrupted; resumed by h:2:b', false],
      ['resume', 'ops@box', '', true],
      ['tune', 'ops@box', 'workers 2, batchMax 500', true],
    ]);
    expect(charts.events[1]!.at).toBe((T0 + 2_000) / 1_000);
    // Every event lies on the time charts' axis.
    const x = charts.time[0]!.x;
    for (const e of charts.events) {
      expect(e.at).toBeGreaterThanOrEqual(x[0]!);
      expect(e.at).toBeLessThanOrEqual(x.at(-1)! + charts.bucketSeconds);
    }
  });

  it('progress: % of the planned rows (estimates, or rows read when more) over time, and an ETA only while running', () => {
    const samples = Array.from({ length: 60 }, (_, i) => sample('raw.a', i * 1_000, 100, { ms: 1_000 })); // 100 rows/s for 60 s
    const tables = [
      { phase: 'staging', table: 'raw.a', rowsIn: 6_000, staged: 6_000, quarantined: 0, batches: 60, retries: 0, estimatedRows: 10_000 },
      { phase: 'staging', table: 'raw.b', rowsIn: 0, staged: 0, quarantined: 0, batches: 0, retries: 0, estimatedRows: 2_000 },
    ];
    const running = buildCharts(data(samples, { tables, run: { id: '7', status: 'running', phases: ['staging'], start: T0, end: null, readAt: T0 + 60_000 } }));
    expect(running.progress).toMatchObject({ processed: 6_000, planned: 12_000, percent: 50, rowsPerSecond: 100, unestimated: [] });
    expect(running.progress!.eta).toBeCloseTo((T0 + 60_000 + 60_000) / 1_000, 3); // 6000 rows left at 100 rows/s
    const series = running.time.find((c) => c.id === 'progress')!.series[0]!.values;
    const drawn = series.filter((v) => v !== null) as number[];
    expect(drawn.at(-1)).toBe(50);
    expect(drawn.every((v, i) => i === 0 || v >= drawn[i - 1]!)).toBe(true);
    const done = buildCharts(
      data(samples, {
        tables: [
          { ...tables[0]!, estimatedRows: 5_000 },
          { ...tables[1]!, estimatedRows: null },
        ],
      }),
    );
    expect(done.progress).toMatchObject({ planned: 6_000, percent: 100, eta: null, unestimated: ['staging · raw.b'] });
  });

  it('workers: busy from their batches, throttled from their runner process, idle the rest of its life', () => {
    const charts = buildCharts(
      data([sample('raw.a', 0, 10, { worker: 'h:1:a:w0', ms: 2_000 }), sample('raw.a', 6_000, 10, { worker: 'h:1:a:w0', ms: 2_000 })], {
        throttle: [
          { reason: 'replica_lag', runner: 'h:1:a', start: T0 + 2_000, end: T0 + 3_000 },
          { reason: 'load', runner: 'h:9:z', start: T0 + 3_000, end: T0 + 5_000 },
        ],
        runners: [{ runner: 'h:1:a', start: T0, end: T0 + 10_000, how: 'done' }],
      }),
    );
    expect(charts.workers).toHaveLength(1);
    expect(charts.workers[0]).toMatchObject({ worker: 'h:1:a:w0', busySeconds: 4, throttledSeconds: 1, idleSeconds: 5 });
    expect(charts.workers[0]!.throttled).toEqual([{ start: (T0 + 2_000) / 1_000, end: (T0 + 3_000) / 1_000 }]);
  });

  it('quarantined rows by reason over time, from the samples', () => {
    const charts = buildCharts(
      data([sample('raw.a', 0, 10, { reasons: { bad_price: 2, no_team: 1 } }), sample('raw.b', 20_000, 10, { reasons: { bad_price: 4 } })]),
    );
    const chart = charts.time.find((c) => c.id === 'quarantine-time')!;
    expect(chart.series.map((s) => s.label)).toEqual(['bad_price', 'no_team']);
    expect(chart.series.map((s) => s.values.reduce<number>((a, v) => a + (v ?? 0), 0))).toEqual([6, 1]);
    expect(buildCharts(data([sample('raw.a', 0, 10)])).time.some((c) => c.id === 'quarantine-time')).toBe(false);
  });

  it('health signals: the highest of each bucket over runner processes, lag and transaction age in seconds; no chart without samples', () => {
    const charts = buildCharts(
      data([sample('raw.a', 0, 10)], {
        health: [
          { at: T0 + 1_000, runner: 'h:1:a', replicaLagMs: 1_500, activeBackends: 3, oldestXactMs: null },
          { at: T0 + 1_010, runner: 'h:2:b', replicaLagMs: 500, activeBackends: 7, oldestXactMs: 42_000 },
        ],
      }),
    );
    const chart = charts.time.find((c) => c.id === 'health')!;
    const at = chart.x.findIndex((t, i) => t <= (T0 + 1_000) / 1_000 && (chart.x[i + 1] ?? Infinity) > (T0 + 1_000) / 1_000);
    expect(chart.series.map((s) => [s.label, s.values[at]])).toEqual([
      ['replica lag (s)', 1.5],
      ['active backends', 7],
      ['oldest transaction (s)', 42],
    ]);
    expect(buildCharts(data([sample('raw.a', 0, 10)])).time.some((c) => c.id === 'health')).toBe(false);
  });
});
