import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createBatchState, floorFor, retuneBatch, observeBatch, type BatchControllerOptions, type BatchState } from '../../runner/plan/batchController.js';

type CostModel = (rows: number) => number;

/** Runs `batches` batches whose duration follows `cost`; returns every state, the first included. */
function simulate(options: BatchControllerOptions, cost: CostModel, batches: number): BatchState[] {
  const states = [createBatchState(options)];
  for (let i = 0; i < batches; i++) {
    const state = states[states.length - 1]!;
    states.push(observeBatch(state, { rows: state.size, ms: cost(state.size) }));
  }
  return states;
}

const throughput = (cost: CostModel, rows: number): number => rows / cost(rows);

describe('batch controller: duration', () => {
  it('converges near targetMs under a linear cost (ms = a + b*rows)', () => {
    const cost: CostModel = (rows) => 5 + 0.01 * rows;
    const states = simulate({ targetMs: 1000, min: 100, max: 1_000_000 }, cost, 150);
    for (const s of states.slice(-50)) {
      const ms = cost(s.size);
      expect(ms).toBeGreaterThan(0.85 * 1000);
      expect(ms).toBeLessThanOrEqual(1000);
    }
  });

  it('grows by at most maxGrowth per batch when batches are fast', () => {
    let state = createBatchState({ targetMs: 1000, min: 1, max: 1e9, initial: 1000 });
    state = observeBatch(state, { rows: 1000, ms: 1 });
    expect(state.size).toBe(1200);
    expect(state.decision).toBe('grow');
  });

  it('grows by at least one row, so a size of 1 is not stuck', () => {
    const state = observeBatch(createBatchState({ targetMs: 1000, min: 1, max: 10 }), { rows: 1, ms: 1 });
    expect(state.size).toBe(2);
  });

  it('shrinks proportionally toward the middle of the band when batches are slow', () => {
    const state = observeBatch(createBatchState({ targetMs: 1000, min: 1, max: 1e6, initial: 1000 }), {
      rows: 1000,
      ms: 2000,
    });
    expect(state.size).toBe(Math.floor((1000 * 0.925) / 2));
    expect(state.decision).toBe('shrink');
  });

  it('keeps the size while efficiency is inside the 0.90–0.95 band', () => {
    const state = observeBatch(createBatchState({ targetMs: 1000, min: 1, max: 1e6, initial: 1000 }), {
      rows: 1000,
      ms: 920,
    });
    expect(state.size).toBe(1000);
    expect(state.decision).toBe('steady');
  });

  it('smooths the per-row cost with an EMA (alpha 0.4 by default)', () => {
    let state = createBatchState({ targetMs: 1000, min: 1, max: 1e6, initial: 1000 });
    state = observeBatch(state, { rows: 1000, ms: 1000 });
    state = observeBatch(state, { rows: 1000, ms: 2000 });
    expect(state.msPerRow).toBeCloseTo(0.4 * 2 + 0.6 * 1, 10);
  });
});

describe('batch controller: throughput', () => {
  // Cost per batch: fixed overhead, linear work, and a quadratic penalty (e.g. a sort spilling
  // to disk): throughput rows/ms peaks at sqrt(20 / 1e-7) ≈ 14_142 rows, while the duration
  // target alone would be met only at ≈ 90_000 rows.
  const sweet: CostModel = (rows) => 20 + 0.001 * rows + 1e-7 * rows * rows;
  const sweetSpot = Math.sqrt(20 / 1e-7);
  const options: BatchControllerOptions = { targetMs: 1000, min: 100, max: 1_000_000 };

  it('settles near the throughput sweet spot instead of growing to the duration target', () => {
    const states = simulate(options, sweet, 300);
    const late = states.slice(-150);
    const peak = throughput(sweet, sweetSpot);
    const mean = late.reduce((sum, s) => sum + throughput(sweet, s.size), 0) / late.length;
    expect(mean).toBeGreaterThan(0.9 * peak);
    // Mostly parked near the sweet spot; now and then a short probe upward.
    const near = late.filter((s) => s.size > sweetSpot / 2 && s.size < sweetSpot * 1.5);
    expect(near.length).toBeGreaterThan(0.9 * late.length);
    for (const s of late) expect(s.size).toBeLessThan(sweetSpot * 3);
  });

  it('grows past the sweet spot when the throughput rule is off (tolerance Infinity)', () => {
    const states = simulate({ ...options, tolerance: Infinity }, sweet, 300);
    expect(states[states.length - 1]!.size).toBeGreaterThan(sweetSpot * 4);
  });

  it('steps back below a sharp cliff (work_mem spill past 20_000 rows)', () => {
    const cliff: CostModel = (rows) => 10 + 0.01 * rows + (rows > 20_000 ? 0.05 * (rows - 20_000) : 0);
    const states = simulate(options, cliff, 300);
    expect(states.some((s) => s.decision === 'step-back')).toBe(true);
    const late = states.slice(-150);
    const below = late.filter((s) => s.size > 10_000 && s.size <= 20_000);
    expect(below.length).toBeGreaterThan(0.9 * late.length);
    for (const s of late) expect(s.size).toBeLessThan(30_000);
  });

  it('probes upward again once the hold has passed', () => {
    const cliff: CostModel = (rows) => 10 + 0.01 * rows + (rows > 20_000 ? 0.05 * (rows - 20_000) : 0);
    const states = simulate({ ...options, holdBatches: 10 }, cliff, 300);
    const stepBacks = states.filter((s) => s.decision === 'step-back').length;
    expect(stepBacks).toBeGreaterThan(3);
  });
});

describe('batch controller: noise', () => {
  /** Small deterministic PRNG (mulberry32). */
  function prng(seed: number): () => number {
    let a = seed >>> 0;
    return () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  /** Mean true throughput of the last 200 of 400 batches whose timings are off by ±noise. */
  function noisyThroughput(cost: CostModel, noise: number, seed: number): number {
    const random = prng(seed);
    let state = createBatchState({ targetMs: 1000, min: 100, max: 1_000_000 });
    let sum = 0;
    for (let i = 0; i < 400; i++) {
      const ms = cost(state.size) * (1 + noise * (2 * random() - 1));
      state = observeBatch(state, { rows: state.size, ms });
      if (i >= 200) sum += throughput(cost, state.size);
    }
    return sum / 200;
  }

  it('keeps throughput when ±20% timing noise makes larger batches look slower by chance', () => {
    const linear: CostModel = (rows) => 5 + 0.01 * rows;
    const sweet: CostModel = (rows) => 20 + 0.001 * rows + 1e-7 * rows * rows;
    for (let seed = 1; seed <= 4; seed++) {
      expect(noisyThroughput(linear, 0.2, seed)).toBeGreaterThan(0.95 * throughput(linear, 92_000));
      expect(noisyThroughput(sweet, 0.2, seed)).toBeGreaterThan(0.9 * throughput(sweet, Math.sqrt(20 / 1e-7)));
    }
  });
});

describe('batch controller: failures', () => {
  const options: BatchControllerOptions = { targetMs: 1000, min: 10, max: 100_000, initial: 1000 };

  it('shrinks at once on a timeout, to what would have fit when that is smaller than half', () => {
    const state = observeBatch(createBatchState(options), { rows: 1000, ms: 5000, timedOut: true });
    expect(state.size).toBe(Math.floor((1000 * 0.925) / 5));
    expect(state.decision).toBe('timeout');
    expect(state.msPerRow).toBe(5);
  });

  it('halves on a timeout without timing', () => {
    const state = observeBatch(createBatchState(options), { rows: 0, ms: 0, timedOut: true });
    expect(state.size).toBe(500);
  });

  it('does not grow back to the size that timed out while the hold lasts', () => {
    let state = observeBatch(createBatchState({ ...options, holdBatches: 20 }), { rows: 1000, ms: 1200, timedOut: true });
    const sizes: number[] = [];
    for (let i = 0; i < 40; i++) {
      state = observeBatch(state, { rows: state.size, ms: 1 });
      sizes.push(state.size);
    }
    expect(Math.max(...sizes.slice(0, 20))).toBeLessThanOrEqual(Math.floor(1000 / 1.2));
    expect(Math.max(...sizes)).toBeGreaterThan(1000);
  });

  it('halves on another failure and keeps its estimates', () => {
    const before = observeBatch(createBatchState(options), { rows: 1000, ms: 920 });
    const after = observeBatch(before, { rows: 1000, ms: 30, failed: true });
    expect(after.size).toBe(500);
    expect(after.decision).toBe('failed');
    expect(after.msPerRow).toBe(before.msPerRow);
    expect(after.regions).toBe(before.regions);
  });
});

describe('batch controller: bounds and degenerate input', () => {
  it('clamps the initial size to [1, max] and every later size to [min, max]', () => {
    // Below min is allowed at first: what a key costs is not known yet (slow start).
    expect(createBatchState({ targetMs: 100, min: 10, max: 20, initial: 5 }).size).toBe(5);
    expect(observeBatch(createBatchState({ targetMs: 100, min: 10, max: 20, initial: 5 }), { rows: 5, ms: 1 }).size).toBe(10);
    expect(createBatchState({ targetMs: 100, min: 10, max: 20, initial: 50 }).size).toBe(20);
    let state = createBatchState({ targetMs: 100, min: 10, max: 20, initial: 15 });
    state = observeBatch(state, { rows: 15, ms: 0.5 });
    state = observeBatch(state, { rows: 18, ms: 0.5 });
    expect(state.size).toBe(20);
    state = observeBatch(state, { rows: 20, ms: 470 }); // 9.4 ms a row: 10 rows still fit in 95 ms
    expect(state.size).toBe(10);
  });

  it('never yields NaN or 0 from zero-ms, zero-row or non-finite observations', () => {
    let state = createBatchState({ targetMs: 100, min: 1, max: 1000, initial: 10 });
    state = observeBatch(state, { rows: 10, ms: 0 });
    expect(state.size).toBe(12);
    expect(Number.isFinite(state.msPerRow)).toBe(true);
    const before = state.size;
    for (const observation of [
      { rows: 0, ms: 0 },
      { rows: 0, ms: 50 },
      { rows: Number.NaN, ms: 5 },
      { rows: 5, ms: Number.POSITIVE_INFINITY },
      { rows: -1, ms: 5 },
    ]) {
      state = observeBatch(state, observation);
      expect(state.size).toBe(before);
      expect(state.decision).toBe('no-data');
    }
  });

  it('does not mutate the state it is given', () => {
    const state = observeBatch(createBatchState({ targetMs: 100, min: 1, max: 1000, initial: 10 }), { rows: 10, ms: 5 });
    const snapshot = { ...state, regions: new Map(state.regions) };
    observeBatch(state, { rows: 10, ms: 500 });
    observeBatch(state, { rows: 10, ms: 500, timedOut: true });
    expect({ ...state, regions: new Map(state.regions) }).toEqual(snapshot);
  });

  it('rejects invalid options, naming every problem', () => {
    expect(() => createBatchState({ targetMs: 0, min: 0, max: 10 })).toThrow(/targetMs.*min/);
    expect(() => createBatchState({ targetMs: 1, min: 10, max: 5 })).toThrow(RangeError);
    expect(() => createBatchState({ targetMs: 1, min: 1, max: 5, maxGrowth: 1 })).toThrow(RangeError);
    expect(() => createBatchState({ targetMs: 1, min: 1, max: 5, alpha: 0 })).toThrow(RangeError);
    expect(() => createBatchState({ targetMs: 1, min: 1, max: 5, efficiencyLow: 0.96 })).toThrow(RangeError);
  });

  it('keeps every size an integer in [floor, max] that grows by at most maxGrowth (property)', () => {
    const observation = fc.record({
      rows: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 1_000_000 }), fc.double({ min: 0, max: 1e6, noNaN: true })),
      ms: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 1e6, noNaN: true })),
      timedOut: fc.boolean(),
      failed: fc.boolean(),
    });
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1000 }),
        fc.integer({ min: 0, max: 100_000 }),
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.array(observation, { maxLength: 80 }),
        (min, extra, initial, observations) => {
          const max = min + extra;
          let state = createBatchState({ targetMs: 500, min, max, initial });
          for (const o of observations) {
            const next = observeBatch(state, o);
            expect(Number.isInteger(next.size)).toBe(true);
            // At or above the floor, except a first size below it that has not grown yet.
            expect(next.size).toBeGreaterThanOrEqual(Math.min(floorFor(next.options, next.msPerRow), state.size));
            expect(next.size).toBeGreaterThanOrEqual(1);
            expect(next.size).toBeLessThanOrEqual(max);
            // Growth is bounded, except back up to min when a cheaper batch lifts a cost floor.
            expect(next.size).toBeLessThanOrEqual(Math.max(state.size + 1, state.size * 1.2, min));
            if (next.msPerRow !== null) expect(Number.isFinite(next.msPerRow)).toBe(true);
            state = next;
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('batch controller: the floor follows the cost per row', () => {
  // The curated phase: ~70 ms per game (about 4,000 snapshots each), a 1 s target, floor 100.
  it('goes below min when min rows run past the target, so an expensive phase keeps to its target', () => {
    const cost: CostModel = (rows) => 70 * rows;
    const states = simulate({ targetMs: 1000, min: 100, max: 200_000, initial: 2000 }, cost, 30);
    const last = states.at(-1)!;
    expect(last.size).toBeLessThan(100);
    expect(cost(last.size)).toBeLessThanOrEqual(1000);
    expect(cost(last.size)).toBeGreaterThan(800);
    for (const s of states.slice(3)) expect(cost(s.size)).toBeLessThanOrEqual(1000);
  });

  it('goes down to one row when one row alone costs more than the target, and not below', () => {
    const states = simulate({ targetMs: 1000, min: 100, max: 1000, initial: 100 }, (rows) => 2500 * rows, 10);
    expect(states.at(-1)!.size).toBe(1);
    const timedOut = observeBatch(createBatchState({ targetMs: 1000, min: 50, max: 1000 }), { rows: 50, ms: 200_000, timedOut: true });
    expect(timedOut.size).toBe(1);
  });

  it('keeps min as the floor while min rows fit in the target', () => {
    const states = simulate({ targetMs: 1000, min: 100, max: 1000, initial: 500 }, (rows) => 5 * rows, 40);
    expect(states.at(-1)!.size).toBe(185);
    const cheap = simulate({ targetMs: 1000, min: 100, max: 1000, initial: 500 }, (rows) => 9 * rows, 40);
    expect(cheap.at(-1)!.size).toBe(102);
    expect(floorFor(cheap.at(-1)!.options, 9)).toBe(100);
  });

  it('retunes max and target (pgphase tune) keeping the estimates', () => {
    const state = simulate({ targetMs: 1000, min: 10, max: 100_000, initial: 1000 }, (rows) => rows, 20).at(-1)!;
    const tuned = retuneBatch(state, { max: 300 });
    expect(tuned.size).toBe(300);
    expect(tuned.msPerRow).toBe(state.msPerRow);
    const slower = retuneBatch(state, { targetMs: 100 });
    expect(observeBatch(slower, { rows: slower.size, ms: slower.size }).size).toBeLessThanOrEqual(100);
    expect(retuneBatch(state, {})).toBe(state);
  });
});

describe('batch controller: slow start from one key (the runner defaults)', () => {
  const defaults: BatchControllerOptions = { targetMs: 1000, min: 100, max: 200_000, initial: 1, startGrowth: 4 };
  // Staging: ~30 µs a row plus ~3 ms a call. Curated: ~70 ms a game plus ~3 ms a call.
  const staging: CostModel = (rows) => 3 + 0.03 * rows;
  const curated: CostModel = (rows) => 3 + 70 * rows;

  it('reaches the target on a cheap phase within a few batches', () => {
    const states = simulate(defaults, staging, 12);
    const first = states.findIndex((s) => staging(s.size) >= 0.85 * 1000);
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThanOrEqual(7);
    for (const s of states) expect(staging(s.size)).toBeLessThanOrEqual(1.5 * 1000);
  });

  it('never starts an expensive phase past the target', () => {
    const states = simulate(defaults, curated, 20);
    expect(states[0]!.size).toBe(1);
    for (const s of states) expect(curated(s.size)).toBeLessThanOrEqual(1000);
    expect(curated(states.at(-1)!.size)).toBeGreaterThan(800);
  });

  it('grows by at most maxGrowth once a batch came near the target', () => {
    const states = simulate(defaults, staging, 40);
    const near = states.findIndex((s) => !s.starting && s !== states[0]);
    expect(near).toBeGreaterThan(0);
    for (let i = near + 1; i < states.length; i++) expect(states[i]!.size).toBeLessThanOrEqual(Math.max(states[i - 1]!.size * 1.2, states[i - 1]!.size + 1));
  });
});

describe('batch controller: slow start and the throughput rule', () => {
  it('does not step back to a tiny slow-start size that happened to run fast (seen in the bench)', () => {
    // The bench's trace: 216 rows in 16 ms, then 864 in 90 ms and 3,456 in 334 ms (slower per row),
    // after which the size fell back to 216 and stayed there for 50 batches.
    const cost: CostModel = (rows) => (rows <= 216 ? 16 : rows <= 864 ? 90 : rows <= 3456 ? 334 : 3 + 0.03 * rows);
    const states = simulate({ targetMs: 1000, min: 100, max: 200_000, initial: 1, startGrowth: 4 }, cost, 12);
    expect(states.at(-1)!.size).toBeGreaterThan(20_000);
    expect(Math.min(...states.slice(5).map((s) => s.size))).toBeGreaterThan(3456);
  });
});
