/**
 * Retry policy: what to do after a batch failed, and how long to wait before trying again.
 *
 * Classification (walking the error and its `cause` chain, outermost first):
 *  - transient: a lost connection (ECONNRESET, 'Connection terminated unexpectedly', ...) or a
 *    SQLSTATE of class `transient` in runner/sqlstates.ts (class 08, 40001, 40P01, 55P03,
 *    57P01-03, 53300) → retry after a backoff, until `maxAttempts` attempts or the deadline;
 *  - timeout: a SQLSTATE of class `smaller_batch` (57014 query_canceled by statement_timeout,
 *    53200 out of memory, 54000 a program limit) → 'split': the batch is too big, so the
 *    caller halves its key range and runs both halves; after `maxSplits` splits, fail;
 *  - anything else is permanent (a bug, a constraint, bad data) → fail at once.
 * Backoff is capped exponential with full jitter (AWS architecture blog, "Exponential Backoff
 * and Jitter"): delay = uniform[0, min(capMs, baseMs * 2^attempt)], which spreads the retries
 * of many workers hit by the same failure instead of having them return in lockstep. A retry
 * whose delay would end after the deadline is not attempted.
 */
import { PgphaseError, isConnectionLost, sqlstateOf } from '../errors.js';
import { classifySqlstate } from '../sqlstates.js';

export interface BackoffOptions {
  /** Upper bound of the first retry's delay, in ms. */
  readonly baseMs: number;
  /** Largest upper bound of any delay, in ms. */
  readonly capMs: number;
}

/** Default backoff: 100 ms doubling up to 30 s. */
export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 100, capMs: 30_000 };

/**
 * Delay before retry number `attempt` (0 for the first retry): an integer uniform in
 * [0, min(capMs, baseMs * 2^attempt)]. `random` returns values in [0, 1), like Math.random.
 */
export function backoffMs(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const exponent = Number.isFinite(attempt) ? Math.max(0, Math.floor(attempt)) : 0;
  const ceiling = Math.max(0, Math.min(options.capMs, options.baseMs * 2 ** exponent));
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.min(Math.floor(ceiling), Math.floor(r * (Math.floor(ceiling) + 1)));
}

export type ErrorClass = 'transient' | 'timeout' | 'permanent';

/**
 * How a failure should be handled; see the header. A lost connection anywhere in the chain wins
 * (a Node code such as 'EPIPE' also looks like a 5-character SQLSTATE, and wrappers copy it);
 * otherwise the outermost SQLSTATE decides.
 */
export function classifyError(error: unknown): ErrorClass {
  const chain = causeChain(error);
  if (chain.some(isConnectionLost)) return 'transient';
  for (const link of chain) {
    const state = sqlstateOf(link) ?? (link instanceof PgphaseError ? link.sqlstate : undefined);
    if (state === undefined) continue;
    const kind = classifySqlstate(state);
    return kind === 'transient' ? 'transient' : kind === 'smaller_batch' ? 'timeout' : 'permanent';
  }
  return 'permanent';
}

export type RetryDecision =
  | { readonly action: 'retry'; readonly delayMs: number }
  | { readonly action: 'split' }
  | { readonly action: 'fail'; readonly reason: string };

export interface RetryContext {
  /** The attempt that just failed, counting from 1. */
  readonly attempt: number;
  /** Attempts allowed in all, the first included. */
  readonly maxAttempts: number;
  /** Epoch ms after which no retry may start. Default: no deadline. */
  readonly deadlineAt?: number;
  /** The current time, epoch ms. */
  readonly now: number;
  /** Default DEFAULT_BACKOFF. */
  readonly backoff?: BackoffOptions;
  /** Times this batch's range was already split. Default 0. */
  readonly splits?: number;
  /** Most splits of one range before a timeout is a failure. Default 16 (1/65536 of it). */
  readonly maxSplits?: number;
  /** Whether the range can be split at all (false for a single key). Default true. */
  readonly canSplit?: boolean;
  /** Default Math.random. */
  readonly random?: () => number;
}

export function decideRetry(error: unknown, context: RetryContext): RetryDecision {
  const kind = classifyError(error);
  if (kind === 'timeout') {
    const splits = context.splits ?? 0;
    const maxSplits = context.maxSplits ?? 16;
    if (context.canSplit === false) return { action: 'fail', reason: 'statement timeout on a range that cannot be split' };
    if (splits >= maxSplits) return { action: 'fail', reason: `statement timeout after ${splits} splits` };
    return { action: 'split' };
  }
  if (kind === 'permanent') return { action: 'fail', reason: 'permanent error' };
  if (context.attempt >= context.maxAttempts) {
    return { action: 'fail', reason: `transient error persisted through ${context.attempt} attempts` };
  }
  const delayMs = backoffMs(context.attempt - 1, context.backoff ?? DEFAULT_BACKOFF, context.random);
  if (context.now + delayMs > (context.deadlineAt ?? Infinity)) {
    return { action: 'fail', reason: 'transient error, and the deadline would pass before the next attempt' };
  }
  return { action: 'retry', delayMs };
}

/** The error and its causes, outermost first (at most 8, in case of a cycle). */
function causeChain(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let link = error; link !== null && link !== undefined && chain.length < 8; ) {
    chain.push(link);
    link = typeof link === 'object' ? (link as { cause?: unknown }).cause : undefined;
  }
  return chain;
}
