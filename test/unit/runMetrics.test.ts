import { describe, expect, it } from 'vitest';
import { THROTTLE_REASONS } from '../../runner/health/healthDecision.js';
import { createRunMetrics } from '../../runner/metrics/runMetrics.js';
import { RunStats } from '../../runner/run/stats.js';
import { parseScrape } from '../support/prometheus.js';

describe('run metrics', () => {
  it('follow RunStats: batches, retries by place, failures, throttled seconds, connections', async () => {
    const stats = new RunStats();
    const metrics = createRunMetrics(stats);
    metrics.setMaxConnections(100);
    const place = { phase: 'staging', table: 'raw.a' };
    stats.batch('staging', 10, 250, 400, { table: 'raw.a', staged: 8, quarantined: 2 });
    stats.batch('staging', 5, 50, 800, { table: 'raw.a', staged: 5, quarantined: 0 });
    stats.retry('40P01', place);
    stats.retry('08006'); // a ledger operation
    stats.failure('P0001', place);
    stats.throttled('replica_lag', 1_250);
    stats.throttled('load', 500);
    stats.throttled('replica_lag', 750);
    stats.connectionOpened();
    stats.connectionOpened();
    const s = parseScrape(await metrics.registry.metrics());
    const labels = { phase: 'staging', table: 'raw.a' };
    expect(s.value('pgphase_rows_in_total', labels)).toBe(15);
    expect(s.value('pgphase_rows_staged_total', labels)).toBe(13);
    expect(s.value('pgphase_rows_quarantined_total', labels)).toBe(2);
    expect(s.value('pgphase_batch_duration_seconds_count', labels)).toBe(2);
    expect(s.value('pgphase_batch_duration_seconds_sum', labels)).toBeCloseTo(0.3);
    expect(s.value('pgphase_batch_duration_seconds_bucket', { ...labels, le: '0.1' })).toBe(1);
    expect(s.value('pgphase_batch_size', labels)).toBe(800);
    expect(s.value('pgphase_batch_retries_total', { ...labels, sqlstate: '40P01' })).toBe(1);
    expect(s.value('pgphase_ledger_retries_total', { sqlstate: '08006' })).toBe(1);
    expect(s.value('pgphase_partition_errors_total', { ...labels, sqlstate: 'P0001' })).toBe(1);
    expect(s.value('pgphase_partition_failures_total', labels)).toBe(1);
    expect(s.value('pgphase_throttled_seconds_total', { reason: 'replica_lag' })).toBe(2);
    expect(s.value('pgphase_throttled_seconds_total', { reason: 'load' })).toBe(0.5);
    expect(s.value('pgphase_pool_connections_in_use')).toBe(2);
    expect(s.value('pgphase_pool_connections_in_use_ratio')).toBe(0.02);
    expect(s.value('pgphase_run_status', { status: 'starting' })).toBe(1);
    metrics.setState('failed');
    const after = parseScrape(await metrics.registry.metrics());
    expect(
      after
        .samples('pgphase_run_status')
        .filter((x) => x.value === 1)
        .map((x) => x.labels.status),
    ).toEqual(['failed']);
  });
});

describe('run metrics at the start of a run', () => {
  it('serve every counter an alert reads at 0, for each step and each throttle reason, before anything happened', async () => {
    const metrics = createRunMetrics(new RunStats());
    const before = parseScrape(await metrics.registry.metrics());
    expect(before.samples('pgphase_partition_failures_total')).toEqual([]);
    metrics.setRun('7', [
      { name: 'staging', steps: [{ source: 'raw.a' }, { source: 'raw.b' }] },
      { name: 'curated', steps: [{ source: 'staging.a' }] },
    ]);
    const s = parseScrape(await metrics.registry.metrics());
    const steps = [
      { phase: 'staging', table: 'raw.a' },
      { phase: 'staging', table: 'raw.b' },
      { phase: 'curated', table: 'staging.a' },
    ];
    for (const name of ['pgphase_partition_failures_total', 'pgphase_rows_in_total', 'pgphase_rows_staged_total', 'pgphase_rows_quarantined_total']) {
      expect(
        s.samples(name).map((x) => ({ ...x.labels, value: x.value })),
        name,
      ).toEqual(steps.map((l) => ({ ...l, value: 0 })));
    }
    expect(s.samples('pgphase_throttled_seconds_total').map((x) => [x.labels.reason, x.value])).toEqual(THROTTLE_REASONS.map((r) => [r, 0]));
    expect(s.value('pgphase_run_info', { run_id: '7', phases: 'staging,curated' })).toBe(1);
  });
});
