/**
 * The curated phase's price formulas (procedures/curated_*.sql), tested in SQL: the issue's
 * vectors to 1e-6 and the edge cases (odds +-100, not American odds, a missing side, a market
 * with negative overround), plus the identities every two-way method must satisfy.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

const TOL = 1e-6;

describe('curated price formulas', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  /** Every formula for one pair of American odds, side a first. */
  async function price(a: number | null, b: number | null) {
    const [row] = await db.query<Record<string, number | null>>(
      `WITH p AS (SELECT curated.implied_probability($1::int) AS pa, curated.implied_probability($2::int) AS pb)
       SELECT pa, pb, curated.decimal_odds($1::int) AS da, curated.decimal_odds($2::int) AS db,
              curated.overround(pa, pb) AS overround, curated.hold(pa, pb) AS hold,
              curated.fair_multiplicative(pa, pb) AS mult_a, curated.fair_multiplicative(pb, pa) AS mult_b,
              curated.fair_additive(pa, pb) AS add_a, curated.fair_additive(pb, pa) AS add_b,
              curated.fair_power(pa, pb) AS power_a, curated.fair_power(pb, pa) AS power_b,
              curated.power_exponent(pa, pb) AS k,
              curated.fair_shin(pa, pb) AS shin_a, curated.fair_shin(pb, pa) AS shin_b,
              curated.shin_z(pa, pb) AS z
         FROM p`,
      [a, b],
    );
    return row!;
  }

  it('prices -150/+130 as the issue states', async () => {
    const r = await price(-150, 130);
    expect(r.pa).toBeCloseTo(0.6, 9);
    expect(r.pb).toBeCloseTo(100 / 230, 9);
    expect(r.da).toBeCloseTo(1 + 100 / 150, 9);
    expect(r.db).toBeCloseTo(2.3, 9);
    expect(Math.abs(r.mult_a! - 0.579832)).toBeLessThan(TOL);
    expect(Math.abs(r.mult_b! - 0.420168)).toBeLessThan(TOL);
    expect(Math.abs(r.add_a! - 0.582609)).toBeLessThan(TOL);
    expect(Math.abs(r.add_b! - 0.417391)).toBeLessThan(TOL);
    expect(Math.abs(r.shin_a! - 0.582609)).toBeLessThan(TOL);
    expect(Math.abs(r.shin_b! - 0.417391)).toBeLessThan(TOL);
    expect(Math.abs(r.power_a! - 0.583983)).toBeLessThan(TOL);
    expect(Math.abs(r.power_b! - 0.416017)).toBeLessThan(TOL);
    expect(Math.abs(r.k! - 1.05297)).toBeLessThan(1e-5);
    // z from the closed form, recomputed here
    const S = 0.6 + 100 / 230;
    const D = 0.6 - 100 / 230;
    expect(r.z).toBeCloseTo(((S - 1) * (D * D - S)) / (S * (D * D - 1)), 12);
  });

  it('prices -110/-110: overround 0.047619, hold 0.045455, every fair probability 1/2', async () => {
    const r = await price(-110, -110);
    expect(Math.abs(r.overround! - 0.047619)).toBeLessThan(TOL);
    expect(Math.abs(r.hold! - 0.045455)).toBeLessThan(TOL);
    for (const key of ['mult_a', 'add_a', 'power_a', 'shin_a', 'mult_b', 'add_b', 'power_b', 'shin_b']) {
      expect(Math.abs(r[key]! - 0.5), key).toBeLessThan(TOL);
    }
  });

  it('prices +100 and -100 alike: probability 1/2, decimal 2, no margin, k = 1', async () => {
    for (const [a, b] of [
      [100, -100],
      [-100, 100],
      [100, 100],
    ] as const) {
      const r = await price(a, b);
      expect(r.pa).toBe(0.5);
      expect(r.pb).toBe(0.5);
      expect(r.da).toBe(2);
      expect(r.db).toBe(2);
      expect(r.overround).toBe(0);
      expect(r.hold).toBe(0);
      expect(r.k).toBe(1);
      for (const key of ['mult_a', 'add_a', 'power_a', 'shin_a']) expect(r[key], key).toBeCloseTo(0.5, 12);
    }
  });

  it('returns NULL for odds that are not American odds (-99..99) and for a missing side', async () => {
    for (const odds of [99, -99, 0, 50]) {
      const [r] = await db.query<{ p: number | null; d: number | null }>(
        'SELECT curated.implied_probability($1::int) AS p, curated.decimal_odds($1::int) AS d',
        [odds],
      );
      expect(r).toEqual({ p: null, d: null });
    }
    const oneSided = await price(-150, null);
    expect(oneSided.pa).toBeCloseTo(0.6, 12);
    for (const key of ['pb', 'db', 'overround', 'hold', 'mult_a', 'add_a', 'power_a', 'k', 'shin_a', 'z']) {
      expect(oneSided[key], key).toBeNull();
    }
    const invalid = await price(-150, 50);
    expect(invalid.mult_a).toBeNull();
    expect(invalid.power_a).toBeNull();
  });

  it('makes every method a probability pair summing to 1, power solved to 1e-10, Shin = additive', async () => {
    const rows = await db.query<{
      a: number;
      b: number;
      pa: number;
      pb: number;
      k: number;
      mult: number;
      add: number;
      pow: number;
      powb: number;
      shin: number;
      shinb: number;
    }>(
      `WITH odds AS (SELECT unnest(ARRAY[-1000, -400, -250, -180, -150, -120, -110, -105, -100, 100, 105, 120, 150, 200, 350, 800]) AS o),
       pairs AS (SELECT a.o AS a, b.o AS b, curated.implied_probability(a.o) AS pa, curated.implied_probability(b.o) AS pb
                   FROM odds a CROSS JOIN odds b)
       SELECT a, b, pa, pb, curated.power_exponent(pa, pb) AS k,
              curated.fair_multiplicative(pa, pb) AS mult, curated.fair_additive(pa, pb) AS add,
              curated.fair_power(pa, pb) AS pow, curated.fair_power(pb, pa) AS powb,
              curated.fair_shin(pa, pb) AS shin, curated.fair_shin(pb, pa) AS shinb
         FROM pairs`,
    );
    expect(rows).toHaveLength(256);
    for (const r of rows) {
      const label = `${r.a}/${r.b}`;
      expect(Math.abs(r.pa ** r.k + r.pb ** r.k - 1), label).toBeLessThan(1e-10);
      expect(Math.abs(r.pow + r.powb - 1), label).toBeLessThan(1e-10);
      expect(Math.abs(r.shin + r.shinb - 1), label).toBeLessThan(1e-10);
      expect(Math.abs(r.shin - r.add), label).toBeLessThan(1e-9);
      expect(r.mult, label).toBeCloseTo(r.pa / (r.pa + r.pb), 12);
      if (r.pa + r.pb > 1) expect(r.k, label).toBeGreaterThan(1);
      if (r.pa + r.pb < 1) expect(r.k, label).toBeLessThan(1);
    }
  });

  it('solves the power method for a market priced below 1 (an arbitrage) too', async () => {
    const [r] = await db.query<{ k: number; p: number }>('SELECT curated.power_exponent(0.45, 0.5) AS k, curated.fair_power(0.45, 0.5) AS p');
    expect(r!.k).toBeLessThan(1);
    expect(Math.abs(0.45 ** r!.k + 0.5 ** r!.k - 1)).toBeLessThan(1e-10);
    expect(r!.p).toBeCloseTo(0.45 ** r!.k, 12);
  });

  it('declares every formula IMMUTABLE and PARALLEL SAFE', async () => {
    const rows = await db.query<{ proname: string; provolatile: string; proparallel: string }>(
      `SELECT proname, provolatile, proparallel FROM pg_proc
        WHERE pronamespace = 'curated'::regnamespace AND prokind = 'f' ORDER BY proname`,
    );
    expect(rows.map((r) => r.proname)).toEqual([
      'decimal_odds',
      'fair_additive',
      'fair_multiplicative',
      'fair_power',
      'fair_shin',
      'hold',
      'implied_probability',
      'overround',
      'power_exponent',
      'shin_z',
    ]);
    for (const r of rows) expect([r.proname, r.provolatile, r.proparallel]).toEqual([r.proname, 'i', 's']);
  });
});
