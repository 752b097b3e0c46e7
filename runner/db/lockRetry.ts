/**
 * The lock ladder's loop (see runner/plan/lockLadder.ts for the schedule): runs `attempt` with
 * the attempt's lock budget until it succeeds, retries after a lock timeout (55P03) and gives up
 * when the ladder says so. Used by the blue-green swap and prune (each attempt one transaction,
 * `lockTransaction`) and by migrate (each attempt a pass of the migration runner on a session
 * whose `lock_timeout` is the budget).
 */
import type pg from 'pg';
import { LOCK_NOT_AVAILABLE, sqlstateOf } from '../errors.js';
import { silentLog, type Log } from '../log.js';
import { type LockLadder, lockBudgetMs, nextLadderStep } from '../plan/lockLadder.js';
import { sleep as realSleep } from '../sleep.js';
import { transaction, type TransactionSettings } from './transaction.js';

/** One attempt of the ladder, as it happened. */
export interface LockAttempt {
  /** Counting from 0. */
  readonly attempt: number;
  /** The `lock_timeout` it ran with, in ms. */
  readonly lockTimeoutMs: number;
  readonly ms: number;
  readonly outcome: 'done' | 'lock timeout';
}

export interface LockRetryOptions {
  readonly ladder: LockLadder;
  /** What is waiting, for the log: `promote of curated` (a function: read after the attempt). */
  readonly what: string | (() => string);
  readonly log?: Log;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
  /** Called after each attempt (tests, the bench). */
  readonly onAttempt?: (attempt: LockAttempt) => void;
}

/** Thrown when the ladder gives up: the last lock timeout, and every attempt. */
export class LockLadderExhausted extends Error {
  constructor(
    readonly attempts: readonly LockAttempt[],
    readonly reason: string,
    readonly lastError: unknown,
  ) {
    super(`gave up after ${reason}`, { cause: lastError });
  }
}

export interface LockRetryResult<T> {
  readonly value: T;
  readonly attempts: readonly LockAttempt[];
}

/** Runs `attempt(lockTimeoutMs, n)` on the ladder; any error but a lock timeout ends it at once. */
export async function withLockRetries<T>(attempt: (lockTimeoutMs: number, n: number) => Promise<T>, options: LockRetryOptions): Promise<LockRetryResult<T>> {
  const log = options.log ?? silentLog;
  const sleep = options.sleep ?? realSleep;
  const attempts: LockAttempt[] = [];
  let lostMs = 0;
  for (let n = 0; ; n++) {
    const budget = lockBudgetMs(n, options.ladder);
    const started = performance.now();
    const record = (outcome: LockAttempt['outcome']) => {
      const a = { attempt: n, lockTimeoutMs: budget, ms: Math.round(performance.now() - started), outcome };
      attempts.push(a);
      options.onAttempt?.(a);
      return a;
    };
    try {
      const value = await attempt(budget, n);
      record('done');
      return { value, attempts };
    } catch (error) {
      if (sqlstateOf(error) !== LOCK_NOT_AVAILABLE) throw error;
      lostMs += record('lock timeout').ms;
      const step = nextLadderStep(n, lostMs, options.ladder, options.random);
      if (step.action === 'give up') throw new LockLadderExhausted(attempts, step.reason, error);
      const what = typeof options.what === 'function' ? options.what() : options.what;
      log.warn(`${what}: locks busy (waited ${budget} ms); retry ${n + 1} of ${options.ladder.retries} in ${step.delayMs} ms`);
      await sleep(step.delayMs);
      lostMs += step.delayMs;
    }
  }
}

/** One attempt as one transaction whose `lock_timeout` is the attempt's budget (SET LOCAL). */
export function lockTransaction<T>(client: pg.ClientBase, lockTimeoutMs: number, fn: () => Promise<T>, settings: TransactionSettings = {}): Promise<T> {
  return transaction(client, fn, { ...settings, lockTimeoutMs });
}

/** `100-338 ms`: the budgets the attempts ran with, for an error message. */
export function budgetsText(attempts: readonly LockAttempt[]): string {
  const ms = attempts.map((a) => a.lockTimeoutMs);
  const lo = Math.min(...ms);
  const hi = Math.max(...ms);
  return lo === hi ? `${lo} ms` : `${lo}-${hi} ms`;
}
