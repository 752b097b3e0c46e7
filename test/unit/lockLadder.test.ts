import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BACKOFF_CAP_MS, FIRST_BUDGET_MS, type LockLadder, lockBudgetMs, nextLadderStep } from '../../runner/plan/lockLadder.js';

const ladder: LockLadder = { capMs: 500, retries: 20, backoffBaseMs: 100, deadlineMs: 60_000 };

describe('lockBudgetMs', () => {
  it('starts at 100 ms and grows by half each attempt up to the cap', () => {
    expect(Array.from({ length: 8 }, (_, n) => lockBudgetMs(n, ladder))).toEqual([100, 150, 225, 338, 500, 500, 500, 500]);
    expect(lockBudgetMs(0, ladder)).toBe(FIRST_BUDGET_MS);
  });

  it('never exceeds the cap, also below the first budget, and never is 0 (no limit) for a positive cap', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3_600_000 }), fc.integer({ min: 0, max: 100_000 }), (capMs, n) => {
        const budget = lockBudgetMs(n, { capMs });
        expect(budget).toBeGreaterThanOrEqual(1);
        expect(budget).toBeLessThanOrEqual(capMs);
      }),
    );
    expect(lockBudgetMs(0, { capMs: 40 })).toBe(40);
  });

  it('never shrinks from one attempt to the next', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 60_000 }), fc.nat(200), (capMs, n) => lockBudgetMs(n + 1, { capMs }) >= lockBudgetMs(n, { capMs })));
  });

  it('a cap of 0 is no limit, as lock_timeout 0 is', () => {
    expect(lockBudgetMs(3, { capMs: 0 })).toBe(0);
  });
});

describe('nextLadderStep', () => {
  it('retries after a full-jitter pause doubling from the base up to the backoff cap', () => {
    expect(nextLadderStep(0, 0, ladder, () => 0.999_999)).toEqual({ action: 'retry', delayMs: 100 });
    expect(nextLadderStep(3, 0, ladder, () => 0.999_999)).toEqual({ action: 'retry', delayMs: 800 });
    expect(nextLadderStep(15, 0, ladder, () => 0.999_999)).toEqual({ action: 'retry', delayMs: BACKOFF_CAP_MS });
    expect(nextLadderStep(3, 0, ladder, () => 0)).toEqual({ action: 'retry', delayMs: 0 });
  });

  it('gives up after the last retry', () => {
    expect(nextLadderStep(19, 0, ladder, () => 0)).toEqual({ action: 'retry', delayMs: 0 });
    expect(nextLadderStep(20, 0, ladder, () => 0)).toEqual({ action: 'give up', reason: '21 attempts' });
    expect(nextLadderStep(0, 0, { ...ladder, retries: 0 }, () => 0)).toEqual({ action: 'give up', reason: '1 attempts' });
  });

  it('gives up when the pause would end past the deadline', () => {
    expect(nextLadderStep(2, 59_700, ladder, () => 0.999_999)).toEqual({ action: 'give up', reason: '3 attempts, the deadline of 60000 ms reached' });
    expect(nextLadderStep(2, 59_600, ladder, () => 0.999_999)).toEqual({ action: 'retry', delayMs: 400 });
  });

  it('with the defaults, a reader held for ever costs the others at most 500 ms a stall, within the deadline', () => {
    const walk = (random: () => number) => {
      let lost = 0;
      const budgets: number[] = [];
      for (let n = 0; ; n++) {
        budgets.push(lockBudgetMs(n, ladder));
        lost += budgets[n]!;
        const step = nextLadderStep(n, lost, ladder, random);
        if (step.action === 'give up') return { budgets, lost };
        lost += step.delayMs;
      }
    };
    const longest = walk(() => 0.999_999);
    expect(longest.budgets).toHaveLength(16);
    expect(Math.max(...longest.budgets)).toBe(500);
    expect(longest.lost).toBeLessThanOrEqual(ladder.deadlineMs);
    const shortest = walk(() => 0);
    expect(shortest.budgets).toHaveLength(21);
    expect(shortest.budgets.reduce((a, b) => a + b)).toBe(100 + 150 + 225 + 338 + 17 * 500);
  });
});
