/**
 * The health gate's settings for `runPipeline` (`pgphase run` flags in runner/commands/runFlags.ts),
 * with the defaults a production primary gets when nothing is said.
 */
import { DEFAULT_THRESHOLDS, type HealthThresholds } from './healthDecision.js';

export interface HealthSettings {
  /** false: no health signals are read (`--no-health-gate`); pause and tune still work. */
  readonly enabled: boolean;
  readonly thresholds: HealthThresholds;
  readonly intervalMs: number;
  readonly throttleQuery: string | null;
  /** Standby servers whose replay lag, less their recovery_min_apply_delay, counts (`--replica URL`); with any given, pg_stat_replication counts flushed WAL only. */
  readonly replicas: readonly string[];
  /** A throttle lasting this long without a break stops the run (resumable). Default 1 h. */
  readonly throttleTimeoutMs: number;
  /** An operator's pause lasting this long stops this runner process. Default 24 h. */
  readonly pauseTimeoutMs: number;
}

export const DEFAULT_HEALTH: HealthSettings = {
  enabled: true,
  thresholds: DEFAULT_THRESHOLDS,
  intervalMs: 1_000,
  throttleQuery: null,
  replicas: [],
  throttleTimeoutMs: 3_600_000,
  pauseTimeoutMs: 86_400_000,
};
