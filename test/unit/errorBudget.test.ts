import { describe, expect, it } from 'vitest';
import { budgetEnabled, NO_BUDGET, overBudget } from '../../runner/run/errorBudget.js';

const tally = { source: 'raw.totals', rowsIn: 1_000, quarantined: 300, failedPartitions: 0 };

describe('error budget', () => {
  it('is off by default: nothing is over it', () => {
    expect(budgetEnabled(NO_BUDGET)).toBe(false);
    expect(overBudget({ ...tally, quarantined: 1_000, failedPartitions: 50 }, NO_BUDGET)).toBeNull();
  });

  it('stops on a quarantine rate above the limit once the step has its minimum sample', () => {
    const budget = { ...NO_BUDGET, maxQuarantineRate: 0.05, minRows: 500 };
    expect(overBudget(tally, budget)).toBe('error budget: raw.totals quarantined 300 of 1000 rows (30.0%) > --max-quarantine-rate 0.05');
    expect(overBudget({ ...tally, rowsIn: 499, quarantined: 499 }, budget)).toBeNull();
    expect(overBudget({ ...tally, quarantined: 50 }, budget)).toBeNull();
    expect(overBudget({ ...tally, quarantined: 51 }, budget)).not.toBeNull();
  });

  it('stops when more partitions failed than allowed', () => {
    const budget = { ...NO_BUDGET, maxFailedPartitions: 0 };
    expect(budgetEnabled(budget)).toBe(true);
    expect(overBudget({ ...tally, failedPartitions: 0 }, budget)).toBeNull();
    expect(overBudget({ ...tally, failedPartitions: 1 }, budget)).toBe('error budget: 1 failed partitions > --max-failed-partitions 0');
  });
});
