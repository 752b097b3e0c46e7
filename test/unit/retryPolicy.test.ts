import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConnectionError, PgphaseError, wrapError } from '../../runner/errors.js';
import { backoffMs, classifyError, decideRetry, type RetryContext } from '../../runner/plan/retryPolicy.js';

/** Shaped like pg's DatabaseError: an Error with a `code` (the SQLSTATE) and a severity. */
function pgError(code: string, message = `error ${code}`): Error {
  return Object.assign(new Error(message), { code, severity: 'ERROR', name: 'error' });
}

/** Shaped like a Node socket error. */
function nodeError(code: string): Error {
  return Object.assign(new Error(`read ${code}`), { code, errno: -104, syscall: 'read' });
}

const context: RetryContext = { attempt: 1, maxAttempts: 5, now: 1_000, deadlineAt: 1_000_000 };

describe('backoffMs', () => {
  const options = { baseMs: 100, capMs: 10_000 };

  it('spans [0, base * 2^attempt] with full jitter', () => {
    expect(backoffMs(0, options, () => 0)).toBe(0);
    expect(backoffMs(0, options, () => 0.999_999)).toBe(100);
    expect(backoffMs(3, options, () => 0.999_999)).toBe(800);
    expect(backoffMs(3, options, () => 0.5)).toBe(400);
  });

  it('caps the upper bound at capMs, also for huge attempts', () => {
    expect(backoffMs(20, options, () => 0.999_999)).toBe(10_000);
    expect(backoffMs(5000, options, () => 0.999_999)).toBe(10_000);
  });

  it('treats negative or non-finite attempts as the first', () => {
    expect(backoffMs(-3, options, () => 0.999_999)).toBe(100);
    expect(backoffMs(Number.NaN, options, () => 0.999_999)).toBe(100);
  });

  it('is an integer within [0, min(cap, base * 2^attempt)] for any random value (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 1, max: 5000 }),
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, baseMs, capMs, r) => {
          const delay = backoffMs(attempt, { baseMs, capMs }, () => r);
          expect(Number.isInteger(delay)).toBe(true);
          expect(delay).toBeGreaterThanOrEqual(0);
          expect(delay).toBeLessThanOrEqual(Math.min(capMs, baseMs * 2 ** attempt));
        },
      ),
    );
  });

  it('spreads delays over the whole interval (full jitter, not equal jitter)', () => {
    const seen = Array.from({ length: 4000 }, (_, i) => backoffMs(4, options, () => i / 4000));
    expect(Math.min(...seen)).toBe(0);
    expect(Math.max(...seen)).toBe(1600);
  });
});

describe('classifyError', () => {
  it.each([
    ['40001', 'serialization_failure'],
    ['40P01', 'deadlock_detected'],
    ['55P03', 'lock_not_available'],
    ['57P01', 'admin_shutdown'],
    ['57P03', 'cannot_connect_now'],
    ['53300', 'too_many_connections'],
    ['08006', 'connection_failure'],
    ['08003', 'connection_does_not_exist'],
  ])('treats SQLSTATE %s (%s) as transient', (code) => {
    expect(classifyError(pgError(code))).toBe('transient');
  });

  it('treats lost connections as transient', () => {
    expect(classifyError(nodeError('ECONNRESET'))).toBe('transient');
    expect(classifyError(nodeError('EPIPE'))).toBe('transient'); // 5 letters, like a SQLSTATE
    expect(classifyError(new Error('Connection terminated unexpectedly'))).toBe('transient');
    expect(classifyError(new Error('Connection terminated due to connection timeout'))).toBe('transient');
  });

  it('treats 57014 (statement timeout) as a timeout', () => {
    expect(classifyError(pgError('57014', 'canceling statement due to statement timeout'))).toBe('timeout');
  });

  it.each([
    ['23505', 'unique_violation'],
    ['22003', 'numeric_value_out_of_range'],
    ['42P01', 'undefined_table'],
    ['P0001', 'raise_exception'],
    ['28P01', 'invalid_password'],
  ])('treats SQLSTATE %s (%s) as permanent', (code) => {
    expect(classifyError(pgError(code))).toBe('permanent');
  });

  it('treats errors without a code, and non-errors, as permanent', () => {
    expect(classifyError(new TypeError('x is undefined'))).toBe('permanent');
    expect(classifyError('boom')).toBe('permanent');
    expect(classifyError(undefined)).toBe('permanent');
    expect(classifyError({ code: 'not a state' })).toBe('permanent');
  });

  it('classifies plain objects with a code, as some drivers reject with', () => {
    expect(classifyError({ code: '40P01' })).toBe('transient');
    expect(classifyError({ code: '57014' })).toBe('timeout');
  });

  it('looks through wrappers to the cause', () => {
    expect(classifyError(wrapError(pgError('40001'), 'batch 3'))).toBe('transient');
    expect(classifyError(wrapError(pgError('57014'), 'batch 3'))).toBe('timeout');
    expect(classifyError(wrapError(nodeError('EPIPE'), 'batch 3'))).toBe('transient');
    expect(classifyError(new ConnectionError('bad password', { cause: pgError('28P01') }))).toBe('permanent');
    expect(classifyError(new PgphaseError('wrapped', { sqlstate: '40P01' }))).toBe('transient');
    expect(classifyError(new Error('outer', { cause: new Error('inner', { cause: nodeError('ECONNRESET') }) }))).toBe('transient');
  });

  it('survives a cause cycle', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    (a as { cause?: unknown }).cause = b;
    expect(classifyError(a)).toBe('permanent');
  });
});

describe('decideRetry', () => {
  it('retries a transient error after a jittered backoff', () => {
    expect(decideRetry(pgError('40P01'), { ...context, attempt: 1, random: () => 0.5 })).toEqual({
      action: 'retry',
      delayMs: 50,
    });
    expect(decideRetry(pgError('40P01'), { ...context, attempt: 3, random: () => 0.5 })).toEqual({
      action: 'retry',
      delayMs: 200,
    });
  });

  it('uses the given backoff', () => {
    const decision = decideRetry(nodeError('ECONNRESET'), {
      ...context,
      attempt: 2,
      backoff: { baseMs: 1000, capMs: 1500 },
      random: () => 0.999_999,
    });
    expect(decision).toEqual({ action: 'retry', delayMs: 1500 });
  });

  it('fails a transient error once maxAttempts attempts were made', () => {
    expect(decideRetry(pgError('40001'), { ...context, attempt: 4 }).action).toBe('retry');
    const decision = decideRetry(pgError('40001'), { ...context, attempt: 5 });
    expect(decision.action).toBe('fail');
  });

  it('fails when the delay would pass the deadline, and retries when it would not', () => {
    const base = { ...context, now: 10_000, deadlineAt: 10_100, backoff: { baseMs: 1000, capMs: 10_000 } };
    expect(decideRetry(pgError('40001'), { ...base, random: () => 0.5 }).action).toBe('fail'); // 500 ms
    expect(decideRetry(pgError('40001'), { ...base, random: () => 0.05 })).toEqual({ action: 'retry', delayMs: 50 });
    expect(decideRetry(pgError('40001'), { ...base, now: 10_101, random: () => 0 }).action).toBe('fail');
  });

  it('never retries past the deadline (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 0, max: 100_000 }),
        fc.integer({ min: -1000, max: 100_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, now, slack, r) => {
          const decision = decideRetry(pgError('40001'), {
            attempt,
            maxAttempts: 10,
            now,
            deadlineAt: now + slack,
            random: () => r,
          });
          if (decision.action === 'retry') {
            expect(now + decision.delayMs).toBeLessThanOrEqual(now + slack);
            expect(attempt).toBeLessThan(10);
          }
        },
      ),
    );
  });

  it('splits a batch on statement timeout, up to maxSplits, and not a single key', () => {
    const timeout = pgError('57014', 'canceling statement due to statement timeout');
    expect(decideRetry(timeout, context)).toEqual({ action: 'split' });
    expect(decideRetry(timeout, { ...context, splits: 15 })).toEqual({ action: 'split' });
    expect(decideRetry(timeout, { ...context, splits: 16 }).action).toBe('fail');
    expect(decideRetry(timeout, { ...context, splits: 2, maxSplits: 2 }).action).toBe('fail');
    expect(decideRetry(timeout, { ...context, canSplit: false }).action).toBe('fail');
  });

  it('fails a permanent error at once, even on its first attempt', () => {
    const decision = decideRetry(pgError('22003', 'numeric field overflow'), { ...context, attempt: 1 });
    expect(decision).toEqual({ action: 'fail', reason: 'permanent error' });
  });
});
