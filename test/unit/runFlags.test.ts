import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { addProductionFlags, parseProductionFlags } from '../../runner/commands/runFlags.js';
import { DEFAULT_THRESHOLDS } from '../../runner/health/healthDecision.js';

const parse = (args: string[]) => {
  const cmd = addProductionFlags(new Command('run')).exitOverride();
  cmd.parse(args, { from: 'user' });
  return parseProductionFlags(cmd.opts());
};

describe('run production flags', () => {
  it('defaults: gate on with the documented thresholds, no budget', () => {
    const s = parse([]);
    expect(s.health).toMatchObject({
      enabled: true,
      intervalMs: 1_000,
      throttleTimeoutMs: 3_600_000,
      throttleQuery: null,
      replicas: [],
      thresholds: DEFAULT_THRESHOLDS,
    });
    expect(s.budget).toEqual({ maxQuarantineRate: null, minRows: 1_000, maxFailedPartitions: null });
    expect(s.maxWorkers).toBeUndefined();
  });

  it('reads every flag, replicas repeated', () => {
    const s = parse([
      '--no-health-gate',
      '--max-lag',
      '5000',
      '--critical-lag',
      '60000',
      '--replica',
      'postgres://a',
      '--replica',
      'postgres://b',
      '--max-quarantine-rate',
      '0.05',
      '--max-failed-partitions',
      '0',
      '--throttle-query',
      'SELECT true',
      '--max-workers',
      '8',
    ]);
    expect(s.health).toMatchObject({
      enabled: false,
      throttleQuery: 'SELECT true',
      replicas: ['postgres://a', 'postgres://b'],
      thresholds: { maxLagMs: 5_000, criticalLagMs: 60_000 },
    });
    expect(s.budget).toMatchObject({ maxQuarantineRate: 0.05, maxFailedPartitions: 0 });
    expect(s.maxWorkers).toBe(8);
  });

  it('rejects bad values naming the flag', () => {
    expect(() => parse(['--max-quarantine-rate', '5%'])).toThrow(/--max-quarantine-rate must be a share from 0 to 1/);
    expect(() => parse(['--max-quarantine-rate', '1.5'])).toThrow(/--max-quarantine-rate/);
    expect(() => parse(['--max-lag', '-1'])).toThrow(/--max-lag must be a whole number/);
    expect(() => parse(['--throttle-query', '  '])).toThrow(/--throttle-query is empty/);
  });

  it('--max-slot-xids sets the replication slot threshold, up to the xid space', () => {
    expect(parse(['--max-slot-xids', '1000']).health.thresholds).toMatchObject({ maxSlotXids: 1_000 });
    expect(parse([]).health.thresholds?.maxSlotXids).toBe(100_000_000);
    expect(() => parse(['--max-slot-xids', '3000000000'])).toThrow(/--max-slot-xids must be a whole number from 0 to 2147483647/);
  });
});
