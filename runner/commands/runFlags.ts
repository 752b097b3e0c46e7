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

const MAX_MS = 604_800_000;

export const PRODUCTION_OPTIONS: readonly OptionSpec[] = [
  { flags: '--no-health-gate', description: 'do not read the health signals before batches (pause and tune still work)' },
  { flags: '--max-lag <ms>', description: 'throttle while replica replay lag is above this', default: String(DEFAULT_THRESHOLDS.maxLagMs) },
  { flags: '--critical-lag <ms>', description: 'stop the run (resumable) when replica lag is above this (default: never)' },
  { flags: '--replica <url>', description: 'a standby whose replay lag counts too (repeatable)', repeatable: true },
  {
    flags: '--max-active <n>',
    description: "throttle while more backends than this (not the runner's) are active",
    default: String(DEFAULT_THRESHOLDS.maxActive),
  },
  { flags: '--critical-active <n>', description: 'stop the run when more than this are active (default: never)' },
  {
    flags: '--max-xact-age <ms>',
    description: 'throttle while another transaction holding back the xmin horizon is older than this',
    default: String(DEFAULT_THRESHOLDS.maxXactAgeMs),
  },
  { flags: '--critical-xact-age <ms>', description: 'stop the run when it is older than this (default: never)' },
  { flags: '--throttle-query <sql>', description: 'a query run before batches; true in its first column pauses the run' },
  { flags: '--health-interval <ms>', description: 'read the health signals at most this often', default: String(DEFAULT_HEALTH.intervalMs) },
  {
    flags: '--throttle-timeout <ms>',
    description: 'stop the run (resumable) when throttled this long without a break',
    default: String(DEFAULT_HEALTH.throttleTimeoutMs),
  },
  { flags: '--max-quarantine-rate <r>', description: 'error budget: stop when a step quarantines more than this share of its rows (default: no limit)' },
  { flags: '--budget-min-rows <n>', description: 'rows a step must have seen before --max-quarantine-rate is judged', default: String(NO_BUDGET.minRows) },
  { flags: '--max-failed-partitions <n>', description: 'error budget: stop when more partitions than this have failed (default: no limit)' },
  { flags: '--max-workers <n>', description: 'most workers this process runs when `pgphase tune --workers` raises the count (default: --workers)' },
];

/** The schema of those flags (commander fills the defaults above). */
export const PRODUCTION_FLAGS = {
  healthGate: z.boolean(),
  maxLag: whole(0, MAX_MS),
  criticalLag: whole(0, MAX_MS).optional(),
  replica: z.array(z.string()),
  maxActive: whole(0, 1_000_000),
  criticalActive: whole(0, 1_000_000).optional(),
  maxXactAge: whole(0, MAX_MS),
  criticalXactAge: whole(0, MAX_MS).optional(),
  throttleQuery: text().optional(),
  healthInterval: whole(10, 600_000),
  throttleTimeout: whole(1_000, MAX_MS),
  maxQuarantineRate: share().optional(),
  budgetMinRows: whole(1, 2_147_483_647),
  maxFailedPartitions: whole(0, 1_000_000).optional(),
  maxWorkers: whole(1, 1_024).optional(),
};

export type ProductionFlags = z.output<z.ZodObject<typeof PRODUCTION_FLAGS>>;

export interface ProductionSettings {
  readonly health: Partial<HealthSettings>;
  readonly budget: Partial<ErrorBudget>;
  readonly maxWorkers: number | undefined;
}

export function productionSettings(o: ProductionFlags): ProductionSettings {
  const thresholds: HealthThresholds = {
    ...DEFAULT_THRESHOLDS,
    maxLagMs: o.maxLag,
    criticalLagMs: o.criticalLag ?? null,
    maxActive: o.maxActive,
    criticalActive: o.criticalActive ?? null,
    maxXactAgeMs: o.maxXactAge,
    criticalXactAgeMs: o.criticalXactAge ?? null,
  };
  return {
    health: {
      enabled: o.healthGate,
      thresholds,
      intervalMs: o.healthInterval,
      throttleTimeoutMs: o.throttleTimeout,
      throttleQuery: o.throttleQuery ?? null,
      replicas: o.replica,
    },
    budget: {
      maxQuarantineRate: o.maxQuarantineRate ?? null,
      minRows: o.budgetMinRows,
      maxFailedPartitions: o.maxFailedPartitions ?? null,
    },
    maxWorkers: o.maxWorkers,
  };
}
