/**
 * The lock ladder: how pgphase waits for the short exclusive locks of a blue-green swap, a prune
 * and a migration's DDL. A statement queued for ACCESS EXCLUSIVE behind a long reader makes every
 * later reader of that table queue behind it, so the time one attempt may wait for its lock is
 * what a long reader costs the application's other readers. Each attempt therefore waits briefly
 * (`lock_timeout` from FIRST_BUDGET_MS, growing by BUDGET_GROWTH per attempt up to the configured
 * cap, as GitLab's `with_lock_retries` escalates its timings), and the ladder makes many attempts,
 * apart by capped exponential backoff with full jitter (retryPolicy.backoffMs), within a deadline
 * on the time lost to locks. Pure: no `pg`, no clock.
 */
import { backoffMs } from './retryPolicy.js';

/** The first attempt's lock wait, in ms (GitLab's with_lock_retries starts at 100 ms). */
export const FIRST_BUDGET_MS = 100;
/** Each further attempt may wait this much longer than the one before, up to the cap. */
export const BUDGET_GROWTH = 1.5;
/** The longest pause between two attempts, in ms. */
export const BACKOFF_CAP_MS = 5_000;

export interface LockLadder {
  /** The longest any one attempt waits for its locks (its `lock_timeout`), in ms. */
  readonly capMs: number;
  /** Further attempts after a lock timeout. */
  readonly retries: number;
  /** Upper bound of the first pause between attempts; it doubles, with full jitter, up to BACKOFF_CAP_MS. */
  readonly backoffBaseMs: number;
  /** No attempt starts once this much time went to attempts that timed out and the pauses between them. */
  readonly deadlineMs: number;
}

/**
 * `lock_timeout` of attempt number `attempt` (0 for the first): FIRST_BUDGET_MS growing by
 * BUDGET_GROWTH, capped. A cap of 0 is PostgreSQL's "no limit": every attempt waits as long as it takes.
 */
export function lockBudgetMs(attempt: number, ladder: Pick<LockLadder, 'capMs'>): number {
  if (ladder.capMs <= 0) return 0;
  const n = Number.isFinite(attempt) ? Math.max(0, Math.floor(attempt)) : 0;
  return Math.max(1, Math.min(ladder.capMs, Math.round(FIRST_BUDGET_MS * BUDGET_GROWTH ** Math.min(n, 64))));
}

export type LadderStep = { readonly action: 'retry'; readonly delayMs: number } | { readonly action: 'give up'; readonly reason: string };

/**
 * After attempt `attempt` (0 for the first) timed out on its lock, with `lostMs` already spent on
 * timed-out attempts and pauses: retry after a jittered pause, or give up (the retries are used,
 * or the pause would end past the deadline).
 */
export function nextLadderStep(attempt: number, lostMs: number, ladder: LockLadder, random: () => number = Math.random): LadderStep {
  if (attempt >= ladder.retries) return { action: 'give up', reason: `${attempt + 1} attempts` };
  const delayMs = backoffMs(attempt, { baseMs: ladder.backoffBaseMs, capMs: BACKOFF_CAP_MS }, random);
  if (lostMs + delayMs > ladder.deadlineMs) return { action: 'give up', reason: `${attempt + 1} attempts, the deadline of ${ladder.deadlineMs} ms reached` };
  return { action: 'retry', delayMs };
}
