import { describe, expect, it } from 'vitest';
import { commandFor, inputOf } from '../../runner/cli/program.js';
import { runCommand, type RunInput } from '../../runner/commands/run.js';
import { productionSettings } from '../../runner/commands/runFlags.js';
import { DEFAULT_THRESHOLDS } from '../../runner/health/healthDecision.js';

/** The run command's flags as commander and its zod schema read them. */
const input = (args: string[]) => {
  const cmd = commandFor(runCommand).exitOverride();
  cmd.parse(args, { from: 'user' });
  return inputOf(runCommand, cmd.processedArgs, cmd.opts()) as RunInput;
};
const parse = (args: string[]) => productionSettings(input(args));

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

  it('splitting a running partition for an idle worker is on unless --no-split', () => {
    expect(input([]).split).toBe(true);
    expect(input(['--no-split']).split).toBe(false);
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

  it('takes the config file health section where no flag is given, and the flag over it', () => {
    const file = { maxLagMs: 30_000, criticalXactAgeMs: 600_000, maxQuarantineRate: 0.02, replicas: ['postgres://r'], enabled: true };
    const fromFile = productionSettings(input([]), file);
    expect(fromFile.health.thresholds).toMatchObject({ maxLagMs: 30_000, criticalXactAgeMs: 600_000, maxActive: DEFAULT_THRESHOLDS.maxActive });
    expect(fromFile.health.replicas).toEqual(['postgres://r']);
    expect(fromFile.budget.maxQuarantineRate).toBe(0.02);
    const flagged = productionSettings(input(['--max-lag', '500', '--replica', 'postgres://s', '--max-quarantine-rate', '0.1']), file);
    expect(flagged.health.thresholds?.maxLagMs).toBe(500);
    expect(flagged.health.replicas).toEqual(['postgres://s']);
    expect(flagged.budget.maxQuarantineRate).toBe(0.1);
    expect(productionSettings(input([]), { enabled: false }).health.enabled).toBe(false);
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

describe('run flags, one zod schema', () => {
  it('reads whole numbers from ASCII digits only, naming the flag in kebab case with an example', () => {
    expect(input(['staging', '--workers', '8', '--batch-min', '50'])).toMatchObject({ phases: ['staging'], workers: 8, batchMin: 50 });
    for (const bad of ['abc', '0', '1025', '+4', '4.0', '1e3', ' 4', '0x10', '٤'])
      expect(() => input(['--workers', bad]), bad).toThrow(`--workers must be a whole number from 1 to 1024, not ${JSON.stringify(bad)}`);
    expect(() => input(['--batch-initial', '-1'])).toThrow(/^--batch-initial must be a whole number from 1 to 2147483647/);
    const thrown = (() => {
      try {
        input(['--metrics-port', '70000']);
      } catch (error) {
        return error;
      }
    })();
    expect(thrown).toMatchObject({ exitCode: 2, hint: 'For example --metrics-port 4; see `pgphase run --help`.' });
  });

  it('refuses flags that exclude each other', () => {
    expect(() => input(['--promote', '--in-place'])).toThrow('--promote and --in-place exclude each other');
  });
});
