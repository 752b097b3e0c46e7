import { describe, expect, it } from 'vitest';
import { testLane, testMajor } from '../../runner/testing/testMajor.js';

describe('PGPHASE_TEST_PG', () => {
  it('defaults to the embedded PostgreSQL 18', () => {
    expect(testLane({})).toEqual({ major: 18, server: 'embedded' });
    expect(testLane({ PGPHASE_TEST_PG: ' ' })).toEqual({ major: 18, server: 'embedded' });
  });

  it('picks the embedded 15, or the distro build of 15 whose major is still 15', () => {
    expect(testLane({ PGPHASE_TEST_PG: '15' })).toEqual({ major: 15, server: 'embedded' });
    expect(testLane({ PGPHASE_TEST_PG: ' system15 ' })).toEqual({ major: 15, server: 'system' });
    expect(testMajor({ PGPHASE_TEST_PG: 'system15' })).toBe(15);
  });

  it('refuses a lane the matrix does not have, naming those it has', () => {
    for (const wanted of ['16', 'system18', 'System15', 'system']) {
      expect(() => testLane({ PGPHASE_TEST_PG: wanted })).toThrow(`PGPHASE_TEST_PG=${wanted}: the test matrix has 18, 15, system15`);
    }
  });
});
