/**
 * How much lag of a standby the health gate holds against the run, pure. Two readings exist:
 * pg_stat_replication on the primary (every standby, no setting of theirs) and each `--replica`
 * server itself (its replay position, its recovery_min_apply_delay, whether it is waiting out that
 * delay). Three rules keep either from hanging or stopping a run for lag the run did not cause:
 *
 * - A standby delayed on purpose is judged by what it can act on. Through `--replica`: 0 while its
 *   startup process waits out recovery_min_apply_delay (everything before the commit it waits on
 *   is replayed), else the age of its last replayed transaction minus the delay. Through
 *   pg_stat_replication, which cannot show the delay: its replay lag counts until it has replayed
 *   the WAL the primary had written when the throttle began (`mark`); after that what it has not
 *   replayed was written while the run waited, and only its flushed WAL counts. A standby whose
 *   replay is stuck never replays the mark and holds the run; a delayed one lets it go after
 *   about its delay.
 * - With `--replica` given, replay is read on those servers, and pg_stat_replication's standbys
 *   count by flushed WAL only (a delayed standby there would hold the run at its delay).
 * - Lag is never more than the time since the gate last found that standby caught up, or first
 *   read it. After an idle primary, both readings date the first new WAL from the last WAL before
 *   the pause (the last replayed transaction; pg_stat_replication interpolates replay_lag between
 *   its last two WAL samples): an idle hour would read as an hour of lag, a false --critical-lag stop.
 */

/** One standby as the primary's pg_stat_replication shows it. */
export interface WalSenderReading {
  /** The walsender's pid: one per standby connection. */
  readonly pid: number;
  /** replay_lag, ms; 0 when its last reply says it replayed all it was sent; null when unknown. */
  readonly replayMs: number | null;
  /** flush_lag, ms; 0 when it flushed all it was sent; null when unknown. */
  readonly flushMs: number | null;
  /** Whether it has replayed the primary's WAL position `mark` (null without a mark). */
  readonly replayedMark: boolean | null;
}

/** What the gate keeps between probes (one per runner process). */
export interface LagMemory {
  /** When each walsender's standby was last found caught up, or first read, by pid (ms since epoch). */
  readonly walSenders: Map<number, number>;
  /** The same for each --replica connection. */
  readonly replicas: Map<object, number>;
  /** The primary's WAL position (pg_lsn text) when the current replica-lag throttle began. */
  mark: string | null;
}

export const newLagMemory = (): LagMemory => ({ walSenders: new Map(), replicas: new Map(), mark: null });

/**
 * Bounds `lag` by the time since `key` was last found caught up (0 lag) or first read, and
 * remembers when it was.
 */
export function boundedLag<K>(seen: Map<K, number>, key: K, lag: number, nowMs: number): number {
  if (lag <= 0 || !seen.has(key)) seen.set(key, nowMs);
  return Math.min(Math.max(lag, 0), nowMs - seen.get(key)!);
}

/** The largest lag over pg_stat_replication's standbys (null when none is known). */
export function walSenderLag(readings: readonly WalSenderReading[], memory: LagMemory, nowMs: number, replayOnReplicas: boolean): number | null {
  let max: number | null = null;
  for (const pid of memory.walSenders.keys()) if (!readings.some((r) => r.pid === pid)) memory.walSenders.delete(pid);
  for (const r of readings) {
    const ms = replayOnReplicas || r.replayedMark === true ? r.flushMs : r.replayMs;
    if (ms === null) continue;
    max = Math.max(max ?? 0, boundedLag(memory.walSenders, r.pid, ms, nowMs));
  }
  return max;
}

/** One --replica server as it reads itself. */
export interface ReplicaReading {
  /** Received WAL is all replayed. */
  readonly caughtUp: boolean;
  /** Its startup process waits out recovery_min_apply_delay (and replay is not paused). */
  readonly delaying: boolean;
  /** Age of the last replayed transaction, ms; null when none was replayed yet. */
  readonly ageMs: number | null;
  /** recovery_min_apply_delay, ms. */
  readonly delayMs: number;
}

/** Replay lag of one --replica server beyond its configured delay, ms; null when unknown. */
export function replicaLagOf(r: ReplicaReading): number | null {
  if (r.caughtUp || r.delaying) return 0;
  if (r.ageMs === null) return null;
  return Math.max(0, r.ageMs - r.delayMs);
}
