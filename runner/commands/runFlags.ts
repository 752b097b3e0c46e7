/**
 * The production flags of `pgphase run`: health gate thresholds, replicas, the throttle query,
 * the error budget and the worker ceiling. Parsed before any connection; a bad value is a usage
 * error naming the flag. Defaults are in runner/health/healthDecision.ts and runPipeline.ts.
 */
import type { Command } from 'commander';
import { showInput, UsageError } from '../errors.js';
import { DEFAULT_THRESHOLDS, type HealthThresholds } from '../health/healthDecision.js';
import type { ErrorBudget } from '../run/errorBudget.js';
import type { HealthSettings } from '../run/runPipeline.js';

const MAX_MS = 604_800_000;

function whole(name: string, value: unknown, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = typeof value === 'string' && /^[0-9]{1,10}$/.test(value) ? Number(value) : Number.NaN;
  if (!(n >= min && n <= max)) throw new UsageError(`${name} must be a whole number from ${min} to ${max}, not ${showInput(String(value))}`);
  return n;
}

function rate(name: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const n = typeof value === 'string' && /^(0|1|0?\.[0-9]{1,6}|1\.0*)$/.test(value) ? Number(value) : Number.NaN;
  if (!(n >= 0 && n <= 1)) throw new UsageError(`${name} must be a share from 0 to 1 (0.05 is 5%), not ${showInput(String(value))}`);
  return n;
}

export function addProductionFlags(cmd: Command): Command {
  return cmd
    .option('--no-health-gate', 'do not read the health signals before batches (pause and tune still work)')
    .option('--max-lag <ms>', 'throttle while replica replay lag is above this', String(DEFAULT_THRESHOLDS.maxLagMs))
    .option('--critical-lag <ms>', 'stop the run (resumable) when replica lag is above this (default: never)')
    .option('--replica <url>', 'a standby whose replay lag counts too (repeatable)', (v: string, all: string[]) => [...all, v], [] as string[])
    .option('--max-active <n>', "throttle while more backends than this (not the runner's) are active", String(DEFAULT_THRESHOLDS.maxActive))
    .option('--critical-active <n>', 'stop the run when more than this are active (default: never)')
    .option(
      '--max-xact-age <ms>',
      'throttle while another transaction holding back the xmin horizon is older than this',
      String(DEFAULT_THRESHOLDS.maxXactAgeMs),
    )
    .option('--critical-xact-age <ms>', 'stop the run when it is older than this (default: never)')
    .option(
      '--max-slot-xids <n>',
      'throttle while a standby (its replication slot, or hot_standby_feedback without one) holds the xmin horizon back by more transactions than this',
      String(DEFAULT_THRESHOLDS.maxSlotXids),
    )
    .option('--throttle-query <sql>', 'a query run before batches; true in its first column pauses the run')
    .option('--health-interval <ms>', 'read the health signals at most this often', '1000')
    .option('--throttle-timeout <ms>', 'stop the run (resumable) when throttled this long without a break', '3600000')
    .option('--max-quarantine-rate <r>', 'error budget: stop when a step quarantines more than this share of its rows (default: no limit)')
    .option('--budget-min-rows <n>', 'rows a step must have seen before --max-quarantine-rate is judged', '1000')
    .option('--max-failed-partitions <n>', 'error budget: stop when more partitions than this have failed (default: no limit)')
    .option('--max-workers <n>', 'most workers this process runs when `pgphase tune --workers` raises the count (default: --workers)');
}

export interface ProductionSettings {
  readonly health: Partial<HealthSettings>;
  readonly budget: Partial<ErrorBudget>;
  readonly maxWorkers: number | undefined;
}

export function parseProductionFlags(o: Record<string, unknown>): ProductionSettings {
  const thresholds: HealthThresholds = {
    ...DEFAULT_THRESHOLDS,
    maxLagMs: whole('--max-lag', o.maxLag, 0, MAX_MS)!,
    criticalLagMs: whole('--critical-lag', o.criticalLag, 0, MAX_MS) ?? null,
    maxActive: whole('--max-active', o.maxActive, 0, 1_000_000)!,
    criticalActive: whole('--critical-active', o.criticalActive, 0, 1_000_000) ?? null,
    maxXactAgeMs: whole('--max-xact-age', o.maxXactAge, 0, MAX_MS)!,
    criticalXactAgeMs: whole('--critical-xact-age', o.criticalXactAge, 0, MAX_MS) ?? null,
    maxSlotXids: whole('--max-slot-xids', o.maxSlotXids, 0, 2_147_483_647)!,
  };
  const query = o.throttleQuery as string | undefined;
  if (query !== undefined && !query.trim()) throw new UsageError('--throttle-query is empty');
  return {
    health: {
      enabled: o.healthGate !== false,
      thresholds,
      intervalMs: whole('--health-interval', o.healthInterval, 10, 600_000)!,
      throttleTimeoutMs: whole('--throttle-timeout', o.throttleTimeout, 1_000, MAX_MS)!,
      throttleQuery: query ?? null,
      replicas: (o.replica as string[] | undefined) ?? [],
    },
    budget: {
      maxQuarantineRate: rate('--max-quarantine-rate', o.maxQuarantineRate) ?? null,
      minRows: whole('--budget-min-rows', o.budgetMinRows, 1, 2_147_483_647)!,
      maxFailedPartitions: whole('--max-failed-partitions', o.maxFailedPartitions, 0, 1_000_000) ?? null,
    },
    maxWorkers: whole('--max-workers', o.maxWorkers, 1, 1_024),
  };
}
