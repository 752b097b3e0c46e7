/**
 * The health gate's decision, pure: from one sample of the database's signals and the
 * thresholds, whether workers may start their next batch (`ok`), must wait and check again
 * (`throttle`) or must stop the run cleanly (`stop`, resumable). After gh-ost (--max-lag-millis,
 * --max-load, --critical-load, --throttle-query) and GitLab's batched background migrations.
 * Priority: a critical threshold or a stop-pause first, then the operator's pause, then the
 * signals in the order a DBA fears them (locks the run causes first: they hurt at once).
 */

/** Throttle reasons: the keys of the report's throttled seconds (and of metrics labels). */
export const THROTTLE_REASONS = ['paused', 'lock waits', 'replica lag', 'xmin horizon', 'wraparound vacuum', 'load', 'throttle query'] as const;
export type ThrottleReason = (typeof THROTTLE_REASONS)[number];

export interface HealthSample {
  /** Largest replay lag, ms, over pg_stat_replication and the --replica servers; null when none. */
  readonly replicaLagMs: number | null;
  /** A --replica that could not be asked (unreachable, not a standby): its message. */
  readonly replicaError?: string | null;
  /** Active client backends other than pgphase runners'. */
  readonly activeBackends: number;
  /** The oldest transaction (not a runner's) holding back this database's xmin horizon. */
  readonly oldestXact: { readonly pid: number; readonly ageMs: number } | null;
  /**
   * The standby holding back the horizon the most through hot_standby_feedback, by its
   * replication slot or its walsender (`replication slot s1`, `standby b (hot_standby_feedback,
   * no slot)`), with the age of that xmin in transactions.
   */
  readonly oldestSlot: { readonly holder: string; readonly xids: number } | null;
  /** Sessions waiting on a lock that a runner session holds. */
  readonly blockedByRunner: number;
  /** Tables of the phase under an anti-wraparound autovacuum. */
  readonly wraparoundVacuum: readonly string[];
  /** --throttle-query's answer: true means pause; null when there is none. */
  readonly throttleQuery: boolean | null;
  /** The run's control row (pgphase pause / the error budget). */
  readonly pause: { readonly kind: 'operator' | 'stop'; readonly reason: string } | null;
}

export interface HealthThresholds {
  /** Throttle above this replica lag. Default 1000 ms (gh-ost: 1500). */
  readonly maxLagMs: number;
  /** Stop above this replica lag; null = never. Default null. */
  readonly criticalLagMs: number | null;
  /** Throttle above this many active backends (others'). Default 25 (pt-online-schema-change). */
  readonly maxActive: number;
  /** Stop above this many; null = never. Default null. */
  readonly criticalActive: number | null;
  /** Throttle while another transaction holding back the horizon is older than this. Default 300 000 ms. */
  readonly maxXactAgeMs: number;
  /** Stop when it is older than this; null = never. Default null. */
  readonly criticalXactAgeMs: number | null;
  /** Throttle while a standby (its slot or its walsender) holds the horizon back by more transactions than this. Default 100 000 000. */
  readonly maxSlotXids: number;
}

export const DEFAULT_THRESHOLDS: HealthThresholds = {
  maxLagMs: 1_000,
  criticalLagMs: null,
  maxActive: 25,
  criticalActive: null,
  maxXactAgeMs: 300_000,
  criticalXactAgeMs: null,
  maxSlotXids: 100_000_000,
};

export interface HealthStop {
  readonly state: 'stop';
  readonly reason: ThrottleReason;
  readonly message: string;
}
export type HealthDecision = { readonly state: 'ok' } | { readonly state: 'throttle'; readonly reason: ThrottleReason; readonly message: string } | HealthStop;

/** Seconds with one decimal, as the progress line shows them: `3.2 s`. */
export const secs = (ms: number) => `${Math.round(ms / 100) / 10} s`;

export function decideHealth(s: HealthSample, t: HealthThresholds): HealthDecision {
  const lag = s.replicaLagMs;
  if (s.pause?.kind === 'stop') return { state: 'stop', reason: 'paused', message: s.pause.reason };
  if (lag !== null && t.criticalLagMs !== null && lag > t.criticalLagMs) {
    return { state: 'stop', reason: 'replica lag', message: `replica lag ${secs(lag)} > critical ${secs(t.criticalLagMs)}` };
  }
  if (t.criticalActive !== null && s.activeBackends > t.criticalActive) {
    return { state: 'stop', reason: 'load', message: `load ${s.activeBackends} active backends > critical ${t.criticalActive}` };
  }
  if (s.oldestXact && t.criticalXactAgeMs !== null && s.oldestXact.ageMs > t.criticalXactAgeMs) {
    return {
      state: 'stop',
      reason: 'xmin horizon',
      message: `transaction of pid ${s.oldestXact.pid} open ${secs(s.oldestXact.ageMs)} > critical ${secs(t.criticalXactAgeMs)}`,
    };
  }
  if (s.pause) return { state: 'throttle', reason: 'paused', message: s.pause.reason };
  if (s.blockedByRunner > 0) {
    return { state: 'throttle', reason: 'lock waits', message: `lock waits: ${s.blockedByRunner} session(s) wait on a lock the runner holds` };
  }
  if (s.replicaError) return { state: 'throttle', reason: 'replica lag', message: `replica lag unknown: ${s.replicaError}` };
  if (lag !== null && lag > t.maxLagMs) return { state: 'throttle', reason: 'replica lag', message: `replica lag ${secs(lag)} > ${secs(t.maxLagMs)}` };
  if (s.oldestXact && s.oldestXact.ageMs > t.maxXactAgeMs) {
    return {
      state: 'throttle',
      reason: 'xmin horizon',
      message: `xmin horizon: transaction of pid ${s.oldestXact.pid} open ${secs(s.oldestXact.ageMs)} > ${secs(t.maxXactAgeMs)}`,
    };
  }
  if (s.oldestSlot && s.oldestSlot.xids > t.maxSlotXids) {
    return {
      state: 'throttle',
      reason: 'xmin horizon',
      message: `xmin horizon: ${s.oldestSlot.holder} holds ${s.oldestSlot.xids} transactions > ${t.maxSlotXids}`,
    };
  }
  if (s.wraparoundVacuum.length > 0) {
    return { state: 'throttle', reason: 'wraparound vacuum', message: `anti-wraparound autovacuum on ${s.wraparoundVacuum.join(', ')}` };
  }
  if (s.activeBackends > t.maxActive) return { state: 'throttle', reason: 'load', message: `load ${s.activeBackends} active backends > ${t.maxActive}` };
  if (s.throttleQuery === true) return { state: 'throttle', reason: 'throttle query', message: 'throttle query returned true' };
  return { state: 'ok' };
}

/**
 * A throttle that has lasted `limitMs` without a break becomes a stop (every wait has a
 * deadline); the operator's pause has its own, longer limit.
 */
export function withDeadline(
  d: HealthDecision,
  throttledSinceMs: number | null,
  nowMs: number,
  limits: { throttleMs: number; pauseMs: number },
): HealthDecision {
  if (d.state !== 'throttle' || throttledSinceMs === null) return d;
  const limit = d.reason === 'paused' ? limits.pauseMs : limits.throttleMs;
  if (nowMs - throttledSinceMs <= limit) return d;
  return { state: 'stop', reason: d.reason, message: `throttled for more than ${secs(limit)} (${d.message})` };
}
