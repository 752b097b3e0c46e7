import { describe, expect, it } from 'vitest';
import { addExtras, NO_COUNTS, phaseCounts } from '../../runner/run/phaseCounts.js';

describe('phaseCounts', () => {
  it('reads the generic contract: rows_in, written, rejected and a jsonb of named extras', () => {
    expect(phaseCounts({ rows_in: '10', written: '7', rejected: '3', extras: { duplicates: 2 } })).toEqual({
      rowsIn: 10,
      written: 7,
      rejected: 3,
      extras: { duplicates: 2 },
    });
  });

  it('reads a pgphase 0.1 procedure: staged is written, quarantined rejected, other numeric columns extras', () => {
    expect(phaseCounts({ rows_in: '5', staged: '4', quarantined: '1', duplicates: '1' })).toEqual({
      rowsIn: 5,
      written: 4,
      rejected: 1,
      extras: { duplicates: 1 },
    });
  });

  it('counts NULL or missing counters as 0 and ignores non-numeric columns', () => {
    expect(phaseCounts({ rows_in: null, written: null, rejected: null, extras: null, note: 'x' })).toEqual(NO_COUNTS);
    expect(phaseCounts(undefined)).toEqual(NO_COUNTS);
  });

  it('adds extras by name', () => {
    expect(addExtras({ duplicates: 2 }, { duplicates: 1, repaired: 4 })).toEqual({ duplicates: 3, repaired: 4 });
  });
});
