import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planPartitions, type KeyRange, type PlanInput } from '../../runner/plan/planPartitions.js';

/** Asserts the plan covers [min, max] exactly once, in order, without gaps or overlaps. */
function expectExactCover(plan: readonly KeyRange[], min: bigint, max: bigint): void {
  expect(plan.length).toBeGreaterThan(0);
  expect(plan[0]!.lo).toBe(min);
  expect(plan[plan.length - 1]!.hi).toBe(max);
  plan.forEach((p, i) => {
    expect(p.lo <= p.hi).toBe(true);
    if (i > 0) expect(p.lo).toBe(plan[i - 1]!.hi + 1n);
  });
}

/** Small deterministic PRNG (mulberry32), so generated tables are reproducible from a seed. */
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

/**
 * Distinct sorted skewed keys: dense runs (gap 1), medium gaps and rare huge gaps, starting
 * anywhere (negative, or beyond 2^53).
 */
function skewedKeys(rows: number, seed: number, start: bigint): bigint[] {
  const random = prng(seed);
  const keys: bigint[] = [];
  let key = start;
  let dense = random() < 0.5;
  for (let i = 0; i < rows; i++) {
    keys.push(key);
    if (random() < 0.002) dense = !dense;
    const r = random();
    const gap = dense ? 1 : r < 0.99 ? 1 + Math.floor(r * 50) : Math.floor(1e9 * random());
    key += BigInt(Math.max(1, gap));
  }
  return keys;
}

/** Equi-depth bounds the way pg_stats.histogram_bounds are: k values from min to max. */
function histogramBounds(keys: readonly bigint[], k: number): bigint[] {
  return Array.from({ length: k }, (_, i) => keys[Math.round((i * (keys.length - 1)) / (k - 1))]!);
}

/** Rows of sorted `keys` in each partition. */
function countsPer(plan: readonly KeyRange[], keys: readonly bigint[]): number[] {
  const counts = plan.map(() => 0);
  let p = 0;
  for (const key of keys) {
    while (key > plan[p]!.hi) p++;
    counts[p]!++;
  }
  return counts;
}

function expectBalanced(counts: readonly number[], factor: number): void {
  const mean = counts.reduce((a, b) => a + b, 0) / counts.length;
  for (const c of counts) {
    expect(c).toBeGreaterThanOrEqual(mean / factor);
    expect(c).toBeLessThanOrEqual(mean * factor);
  }
}

describe('planPartitions', () => {
  it('plans nothing for an empty table', () => {
    expect(planPartitions({ keySpace: null, estimatedRows: 0, partitions: 8 })).toEqual([]);
  });

  it('plans one partition for a one-row table', () => {
    expect(planPartitions({ keySpace: { min: 42n, max: 42n }, estimatedRows: 1, partitions: 8 })).toEqual([{ lo: 42n, hi: 42n }]);
  });

  it('plans no more partitions than estimated rows', () => {
    const plan = planPartitions({ keySpace: { min: 1n, max: 1_000_000n }, estimatedRows: 3, partitions: 10 });
    expect(plan).toHaveLength(3);
    expectExactCover(plan, 1n, 1_000_000n);
  });

  it('keeps two partitions for a two-key table whose estimate is stale (0 or 1 row)', () => {
    for (const estimatedRows of [0, 1, -1]) {
      const plan = planPartitions({ keySpace: { min: 7n, max: 9n }, estimatedRows, partitions: 2 });
      expect(plan).toHaveLength(2);
      expectExactCover(plan, 7n, 9n);
    }
  });

  it('plans no more partitions than keys, one key each', () => {
    const plan = planPartitions({ keySpace: { min: -2n, max: 1n }, estimatedRows: -1, partitions: 10 });
    expect(plan).toEqual([
      { lo: -2n, hi: -2n },
      { lo: -1n, hi: -1n },
      { lo: 0n, hi: 0n },
      { lo: 1n, hi: 1n },
    ]);
  });

  it('falls back to equal widths without samples, including negative keys', () => {
    const plan = planPartitions({ keySpace: { min: -1000n, max: -1n }, estimatedRows: 1000, partitions: 4 });
    expect(plan).toEqual([
      { lo: -1000n, hi: -751n },
      { lo: -750n, hi: -501n },
      { lo: -500n, hi: -251n },
      { lo: -250n, hi: -1n },
    ]);
  });

  it('stays exact for keys far beyond 2^53', () => {
    const min = 2n ** 62n + 1n;
    const max = 2n ** 63n - 1n;
    const plan = planPartitions({ keySpace: { min, max }, estimatedRows: 1e12, partitions: 7 });
    expect(plan).toHaveLength(7);
    expectExactCover(plan, min, max);
    const widths = plan.map((p) => p.hi - p.lo + 1n);
    const spread = widths.reduce((a, b) => (a > b ? a : b)) - widths.reduce((a, b) => (a < b ? a : b));
    expect(spread <= 2n).toBe(true);
  });

  it('follows the rows, not the key widths, across a huge gap', () => {
    // 1000 rows at keys 1..1000, then 10 rows at 10^12 + 1..10: equal widths would put every row
    // of the dense run in partition one.
    const keys = [...Array.from({ length: 1000 }, (_, i) => BigInt(i + 1)), ...Array.from({ length: 10 }, (_, i) => 10n ** 12n + BigInt(i + 1))];
    const input: PlanInput = {
      keySpace: { min: 1n, max: keys[keys.length - 1]! },
      estimatedRows: keys.length,
      partitions: 4,
      samples: histogramBounds(keys, 101),
    };
    const plan = planPartitions(input);
    expectExactCover(plan, 1n, input.keySpace!.max);
    expectBalanced(countsPer(plan, keys), 1.3);
    const equalWidths = planPartitions({ ...input, samples: [] });
    expect(countsPer(equalWidths, keys)[0]).toBe(1000);
  });

  it('ignores samples outside [min, max] (stale statistics of deleted rows)', () => {
    const keys = Array.from({ length: 1000 }, (_, i) => BigInt(i + 1000));
    const stale = Array.from({ length: 50 }, (_, i) => BigInt(i * 10)); // all below min
    const plan = planPartitions({
      keySpace: { min: 1000n, max: 1999n },
      estimatedRows: 1000,
      partitions: 4,
      samples: [...stale, ...histogramBounds(keys, 21), 5000n, 9000n],
    });
    expectExactCover(plan, 1000n, 1999n);
    expectBalanced(countsPer(plan, keys), 1.1);
  });

  it('does not let a tail beyond the last sample that spans a huge gap swallow the plan', () => {
    // A random sample of keys 1..1000 (every 20th); max lies 10^9 keys past the last sample.
    // Extrapolating the tail's density over the gap would put every cut at the last sample.
    const keys = [...Array.from({ length: 1000 }, (_, i) => BigInt(i + 1)), 10n ** 9n];
    const samples = Array.from({ length: 50 }, (_, i) => BigInt(10 + 20 * i));
    const plan = planPartitions({ keySpace: { min: 1n, max: 10n ** 9n }, estimatedRows: 1001, partitions: 2, samples });
    expectBalanced(countsPer(plan, keys), 1.1);
  });

  it('handles duplicate samples (a heavy key) without breaking the cover', () => {
    const samples = [1n, 5n, 5n, 5n, 5n, 5n, 5n, 9n, 100n];
    const plan = planPartitions({ keySpace: { min: 1n, max: 100n }, estimatedRows: 1000, partitions: 6, samples });
    expectExactCover(plan, 1n, 100n);
    expect(plan.some((p) => p.lo === 5n)).toBe(true);
  });

  it('reads a single distinct sample as the median', () => {
    const plan = planPartitions({ keySpace: { min: 0n, max: 1_000_000n }, estimatedRows: 100, partitions: 2, samples: [10n] });
    expect(plan).toEqual([
      { lo: 0n, hi: 9n },
      { lo: 10n, hi: 1_000_000n },
    ]);
  });

  it('sorts unsorted samples', () => {
    const keys = Array.from({ length: 1000 }, (_, i) => BigInt(i * i));
    const samples = histogramBounds(keys, 41);
    const input = { keySpace: { min: 0n, max: keys[999]! }, estimatedRows: 1000, partitions: 5 };
    expect(planPartitions({ ...input, samples: [...samples].reverse() })).toEqual(planPartitions({ ...input, samples }));
  });

  it('rejects bad input', () => {
    const keySpace = { min: 1n, max: 10n };
    expect(() => planPartitions({ keySpace: { min: 2n, max: 1n }, estimatedRows: 1, partitions: 1 })).toThrow(RangeError);
    expect(() => planPartitions({ keySpace, estimatedRows: 1, partitions: 0 })).toThrow(RangeError);
    expect(() => planPartitions({ keySpace, estimatedRows: 1, partitions: Number.NaN })).toThrow(RangeError);
  });

  it('covers the key space exactly once for any input (property)', () => {
    const key = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
    const smallKey = fc.bigInt({ min: -50n, max: 50n });
    fc.assert(
      fc.property(
        fc.oneof(fc.tuple(key, key), fc.tuple(smallKey, smallKey)),
        fc.oneof(fc.array(key, { maxLength: 60 }), fc.array(smallKey, { maxLength: 60 })),
        fc.integer({ min: 1, max: 200 }),
        fc.oneof(fc.constant(-1), fc.integer({ min: 0, max: 1e9 })),
        ([a, b], samples, partitions, estimatedRows) => {
          const [min, max] = a <= b ? [a, b] : [b, a];
          const sorted = [...samples].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
          const plan = planPartitions({ keySpace: { min, max }, estimatedRows, partitions, samples: sorted });
          expectExactCover(plan, min, max);
          expect(plan.length).toBeLessThanOrEqual(partitions);
          expect(BigInt(plan.length) <= max - min + 1n).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('balances skewed keys within 2x of the mean from equi-depth bounds (property)', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 2, max: 24 }), fc.constantFrom(-(2n ** 40n), 0n, 2n ** 60n), (seed, partitions, start) => {
        const keys = skewedKeys(20_000, seed, start);
        const plan = planPartitions({
          keySpace: { min: keys[0]!, max: keys[keys.length - 1]! },
          estimatedRows: keys.length,
          partitions,
          samples: histogramBounds(keys, 101),
        });
        expect(plan).toHaveLength(partitions);
        expectBalanced(countsPer(plan, keys), 2);
      }),
      { numRuns: 25 },
    );
  });

  it('balances skewed keys within 2x of the mean from a random sample of keys (property)', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 2, max: 8 }), (seed, partitions) => {
        const keys = skewedKeys(20_000, seed, 1n);
        const random = prng(seed ^ 0x5bd1e995);
        const sample = keys.filter(() => random() < 0.02); // like TABLESAMPLE BERNOULLI (2)
        const plan = planPartitions({
          keySpace: { min: keys[0]!, max: keys[keys.length - 1]! },
          estimatedRows: keys.length,
          partitions,
          samples: sample,
        });
        expect(plan).toHaveLength(partitions);
        expectBalanced(countsPer(plan, keys), 2);
      }),
      { numRuns: 25 },
    );
  });
});
