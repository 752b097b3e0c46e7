/**
 * The production flags of `pgphase run`: health gate thresholds, replicas, the throttle query,
 * the error budget and the worker ceiling. Parsed before any connection; a bad value is a usage
 * error naming the flag. Defaults come from runner/health/ and runner/run/errorBudget.ts.
 */
import { z } from 'zod';
import { DEFAULT_THRESHOLDS, type HealthThresholds } from '../health/healthDecision.js';
import { DEFAULT_HEALTH } from '../health/healthSettings.js';
import { type ErrorBudget, NO_BUDGET } from '../run/errorBudget.js';
import type { HealthSettings } from '../run/runPipeline.js';
import { share, text, whole } from './flags.js';
import type { OptionSpec } from './spec.js';
import type { Config } from '../config.js';

const MAX_MS = 604_800_000;

/** `(default X, or health.key in the config file)` for a flag's help. */
const dflt = (value: string | number, key: string) => `(default ${value}, or health.${key} in the config file)`;

export const PRODUCTION_OPTIONS: readonly OptionSpec[] = [
  { flags: '--no-health-gate', description: 'do not read the health signals before batches (pause and tune still work; or health.enabled false)' },
  { flags: '--max-lag <ms>', description: `throttle while replica replay lag is above this ${dflt(DEFAULT_THRESHOLDS.maxLagMs, 'maxLagMs')}` },
  { flags: '--critical-lag <ms>', description: 'stop the run (resumable) when replica lag is above this (default: never, or health.criticalLagMs)' },
  {
    flags: '--replica <url>',
    description:
      'a standby whose replay lag, less its recovery_min_apply_delay, counts; given, pg_stat_replication counts flushed WAL only (repeatable; or health.replicas)',
    repeatable: true,
  },
  {
    flags: '--max-active <n>',
    description: `throttle while more backends than this (not the runner's) are active ${dflt(DEFAULT_THRESHOLDS.maxActive, 'maxActive')}`,
  },
  { flags: '--critical-active <n>', description: 'stop the run when more than this are active (default: never, or health.criticalActive)' },
  {
    flags: '--max-xact-age <ms>',
    description: `throttle while another transaction holding back the xmin horizon is older than this ${dflt(DEFAULT_THRESHOLDS.maxXactAgeMs, 'maxXactAgeMs')}`,
  },
  { flags: '--critical-xact-age <ms>', description: 'stop the run when it is older than this (default: never, or health.criticalXactAgeMs)' },
  {
    flags: '--max-slot-xids <n>',
    description: `throttle while a standby (its replication slot, or hot_standby_feedback without one) holds the xmin horizon back by more transactions than this ${dflt(DEFAULT_THRESHOLDS.maxSlotXids, 'maxSlotXids')}`,
  },
  { flags: '--throttle-query <sql>', description: 'a query run before batches; true in its first column pauses the run (or health.throttleQuery)' },
  { flags: '--health-interval <ms>', description: `read the health signals at most this often ${dflt(DEFAULT_HEALTH.intervalMs, 'intervalMs')}` },
  {
    flags: '--throttle-timeout <ms>',
    description: `stop the run (resumable) when throttled this long without a break ${dflt(DEFAULT_HEALTH.throttleTimeoutMs, 'throttleTimeoutMs')}`,
  },
  {
    flags: '--max-quarantine-rate <r>',
    description: 'error budget: stop when a step quarantines more than this share of its rows (default: no limit, or health.maxQuarantineRate)',
  },
  {
    flags: '--budget-min-rows <n>',
    description: `rows a step must have seen before --max-quarantine-rate is judged ${dflt(NO_BUDGET.minRows, 'budgetMinRows')}`,
  },
  {
    flags: '--max-failed-partitions <n>',
    description: 'error budget: stop when more partitions than this have failed (default: no limit, or health.maxFailedPartitions)',
  },
  { flags: '--max-workers <n>', description: 'most workers this process runs when `pgphase tune --workers` raises the count (default: --workers)' },
];

/** The schema of those flags: a flag not given is undefined, so the config file's value can stand. */
export const PRODUCTION_FLAGS = {
  healthGate: z.boolean(),
  maxLag: whole(0, MAX_MS).optional(),
  criticalLag: whole(0, MAX_MS).optional(),
  replica: z.array(z.string()),
  maxActive: whole(0, 1_000_000).optional(),
  criticalActive: whole(0, 1_000_000).optional(),
  maxXactAge: whole(0, MAX_MS).optional(),
  criticalXactAge: whole(0, MAX_MS).optional(),
  maxSlotXids: whole(0, 2_147_483_647).optional(),
  throttleQuery: text().optional(),
  healthInterval: whole(10, 600_000).optional(),
  throttleTimeout: whole(1_000, MAX_MS).optional(),
  maxQuarantineRate: share().optional(),
  budgetMinRows: whole(1, 2_147_483_647).optional(),
  maxFailedPartitions: whole(0, 1_000_000).optional(),
  maxWorkers: whole(1, 1_024).optional(),
};

export type ProductionFlags = z.output<z.ZodObject<typeof PRODUCTION_FLAGS>>;

export interface ProductionSettings {
  readonly health: Partial<HealthSettings>;
  readonly budget: Partial<ErrorBudget>;
  readonly maxWorkers: number | undefined;
}

/** The run's health gate and error budget: a flag given, else the config file's `health`, else the default. */
export function productionSettings(o: ProductionFlags, file: Config['health'] = {}): ProductionSettings {
  const thresholds: HealthThresholds = {
    ...DEFAULT_THRESHOLDS,
    maxLagMs: o.maxLag ?? file.maxLagMs ?? DEFAULT_THRESHOLDS.maxLagMs,
    criticalLagMs: o.criticalLag ?? file.criticalLagMs ?? null,
    maxActive: o.maxActive ?? file.maxActive ?? DEFAULT_THRESHOLDS.maxActive,
    criticalActive: o.criticalActive ?? file.criticalActive ?? null,
    maxXactAgeMs: o.maxXactAge ?? file.maxXactAgeMs ?? DEFAULT_THRESHOLDS.maxXactAgeMs,
    criticalXactAgeMs: o.criticalXactAge ?? file.criticalXactAgeMs ?? null,
    maxSlotXids: o.maxSlotXids ?? file.maxSlotXids ?? DEFAULT_THRESHOLDS.maxSlotXids,
  };
  return {
    health: {
      // --no-health-gate turns it off whatever the file says; the file may turn it off too.
      enabled: o.healthGate && file.enabled !== false,
      thresholds,
      intervalMs: o.healthInterval ?? file.intervalMs ?? DEFAULT_HEALTH.intervalMs,
      throttleTimeoutMs: o.throttleTimeout ?? file.throttleTimeoutMs ?? DEFAULT_HEALTH.throttleTimeoutMs,
      throttleQuery: o.throttleQuery ?? file.throttleQuery ?? null,
      replicas: o.replica.length ? o.replica : (file.replicas ?? []),
    },
    budget: {
      maxQuarantineRate: o.maxQuarantineRate ?? file.maxQuarantineRate ?? null,
      minRows: o.budgetMinRows ?? file.budgetMinRows ?? NO_BUDGET.minRows,
      maxFailedPartitions: o.maxFailedPartitions ?? file.maxFailedPartitions ?? null,
    },
    maxWorkers: o.maxWorkers,
  };
}
