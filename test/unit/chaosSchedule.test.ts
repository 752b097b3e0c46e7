import { describe, expect, it } from 'vitest';
import { chaosSchedule, pickIndex, seededRandom } from '../chaos/schedule.js';

const LIMITS = { kills: 4, terminations: 6, restarts: 1 };

describe('chaos schedule', () => {
  it('is a function of its seed: the same seed gives the same schedule, another seed another one', () => {
    for (const seed of [0, 1, 20_241, 987_654, 2 ** 32 - 1]) {
      expect(chaosSchedule(seed, LIMITS)).toEqual(chaosSchedule(seed, LIMITS));
      expect(chaosSchedule(seed, LIMITS)).not.toEqual(chaosSchedule(seed + 1, LIMITS));
    }
  });

  it('holds every disturbance of the limits once, with a kill and the restart among the first three steps', () => {
    for (let seed = 0; seed < 500; seed++) {
      const steps = chaosSchedule(seed, LIMITS);
      const count = (kind: string) => steps.filter((s) => s.action.kind === kind).length;
      expect([count('kill'), count('terminate'), count('restart')]).toEqual([4, 6, 1]);
      const early = steps.slice(0, 3).map((s) => s.action.kind);
      expect(early).toContain('kill');
      expect(early).toContain('restart');
      for (const step of steps) {
        expect(step.waitMs).toBeGreaterThanOrEqual(100);
        expect(step.waitMs).toBeLessThanOrEqual(600);
      }
    }
  });

  it('handles small limits (no termination to make room, or nothing at all)', () => {
    expect(chaosSchedule(7, { kills: 0, terminations: 0, restarts: 0 })).toEqual([]);
    const kills = chaosSchedule(7, { kills: 5, terminations: 0, restarts: 1 })
      .slice(0, 3)
      .map((s) => s.action.kind);
    expect(kills).toContain('restart');
    expect(kills).toContain('kill');
  });

  it('draws floats in [0, 1) and picks indexes in range', () => {
    const random = seededRandom(42);
    const draws = Array.from({ length: 10_000 }, random);
    expect(draws.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(new Set(draws).size).toBeGreaterThan(9_990);
    expect(seededRandom(42)()).toBe(draws[0]);
    expect([pickIndex(0, 3), pickIndex(0.5, 3), pickIndex(0.999_999, 3)]).toEqual([0, 1, 2]);
  });
});
