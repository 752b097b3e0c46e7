import { describe, expect, it } from 'vitest';
import { classifyError } from '../../runner/plan/retryPolicy.js';
import { classifySqlstate, endsSession, SQLSTATES } from '../../runner/sqlstates.js';

describe('the SQLSTATE table', () => {
  it('lists each code once, as a 5-character code or a 2-character class', () => {
    const codes = SQLSTATES.map((e) => e.code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const code of codes) expect(code).toMatch(/^[0-9A-Z]{2}([0-9A-Z]{3})?$/);
  });

  it('classifies exact codes before their class, and everything unlisted as data', () => {
    expect(classifySqlstate('57P01')).toBe('transient');
    expect(classifySqlstate('57014')).toBe('smaller_batch');
    expect(classifySqlstate('57000')).toBe('configuration');
    expect(classifySqlstate('08006')).toBe('transient');
    expect(classifySqlstate('53300')).toBe('transient');
    expect(classifySqlstate('53100')).toBe('configuration');
    expect(classifySqlstate('42501')).toBe('privilege');
    expect(classifySqlstate('25006')).toBe('read_only');
    expect(classifySqlstate('23505')).toBe('data');
    expect(classifySqlstate('22P02')).toBe('data');
    expect(classifySqlstate('P0001')).toBe('data');
  });

  it('says which codes end the session', () => {
    expect(['08006', '57P01', '57P05'].map(endsSession)).toEqual([true, true, true]);
    expect(['40001', '55P03', '57014'].map(endsSession)).toEqual([false, false, false]);
  });

  it('drives the retry policy: transient retries, smaller_batch splits, the rest is permanent', () => {
    const err = (code: string) => Object.assign(new Error(code), { code });
    expect(['40001', '40P01', '55P03', '53300', '08000'].map((c) => classifyError(err(c)))).toEqual(Array(5).fill('transient'));
    expect(['57014', '53200', '54000'].map((c) => classifyError(err(c)))).toEqual(Array(3).fill('timeout'));
    expect(['23505', '42501', '25006', '58030'].map((c) => classifyError(err(c)))).toEqual(Array(4).fill('permanent'));
  });
});
