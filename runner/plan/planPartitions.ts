/**
 * Key-range planner: cuts a table's key space into partitions of about equal row counts.
 *
 * Keys are bigint ids (they may pass 2^53), and ids are skewed: dense runs, huge gaps, sparse
 * tails. Equal key widths would give one worker most of the rows, so the planner follows the
 * rows instead, using equi-depth samples of the key: PostgreSQL's `pg_stats.histogram_bounds`
 * for the key column, or a sorted `TABLESAMPLE` of keys. Between two consecutive samples lie
 * about the same number of rows.
 *
 * Algorithm (continuous model: key v occupies the unit interval [v, v+1)):
 *  1. Keep the samples inside [min, max] (others are stale: those rows are gone) and sort them.
 *  2. Build a cumulative row curve F over [min, max+1): each gap between consecutive samples
 *     holds one unit of rows; equal samples make a jump (one key holding many rows). The tails
 *     before the first and after the last sample are assumed as dense as the few buckets next
 *     to them, but hold at most one unit: that is what a random sample leaves beyond its
 *     extremes, and fresh histogram bounds leave ~0 (their first and last bound are min and
 *     max). The cap keeps a tail that spans a huge gap from swallowing the plan; the price is
 *     that rows appended since the statistics were gathered all land in the last partition,
 *     so ANALYZE (or sample) the table before planning. One distinct sample is read as a
 *     median; no samples at all means a uniform curve, i.e. equal key widths, computed exactly.
 *  3. For j = 1..P-1, the cut is where F reaches j/P of the total, interpolated linearly
 *     inside its bucket (bigint arithmetic, so huge keys stay exact) and rounded to a key.
 *  4. Cuts are clamped to (min, max] and kept only when strictly increasing, so the result
 *     always covers [min, max] exactly once: first.lo = min, last.hi = max, next.lo = prev.hi+1.
 *     A heavy key that several cuts land on cannot be split, so fewer partitions come back.
 *
 * The partition count P is the target, capped by the estimated row count (no partition should
 * be planned without rows) and by the number of keys in [min, max].
 */

/** An inclusive range of keys. */
export interface KeyRange {
  readonly lo: bigint;
  readonly hi: bigint;
}

/** The smallest and largest key of a table, inclusive. */
export interface KeySpace {
  readonly min: bigint;
  readonly max: bigint;
}

export interface PlanInput {
  /** `min(key)` and `max(key)`; null for an empty table (the plan is then empty). */
  readonly keySpace: KeySpace | null;
  /**
   * Estimated row count (e.g. `pg_class.reltuples`). It caps the partition count; 0, negative
   * (never analysed) or non-finite means unknown, and then only the key width caps it.
   */
  readonly estimatedRows: number;
  /** Wanted number of partitions (≥ 1). */
  readonly partitions: number;
  /**
   * Sorted equi-depth samples of the key (histogram bounds, or a sorted sample of keys).
   * Unsorted input is sorted; values outside [min, max] are ignored. Default: none, which
   * means equal key widths.
   */
  readonly samples?: readonly bigint[];
}

/** Outermost buckets whose average density is extrapolated over a tail. */
const TAIL_BUCKETS = 4;
/** Fixed-point scale for interpolating a fraction of a bigint width. */
const SCALE = 2n ** 52n;

/** Plans partitions of about equal row counts that cover the key space exactly once. */
export function planPartitions(input: PlanInput): KeyRange[] {
  const space = input.keySpace;
  if (space === null) return [];
  const { min, max } = space;
  if (min > max) throw new RangeError(`keySpace.min (${min}) is greater than max (${max})`);

  const count = partitionCount(input, max - min + 1n);
  if (count === 1) return [{ lo: min, hi: max }];

  const knots = rowCurve(min, max, input.samples ?? []);
  const cuts = knots.length === 2 ? equalWidthCuts(min, max, count) : curveCuts(knots, max, count);
  const plan: KeyRange[] = [];
  let lo = min;
  for (const cut of cuts) {
    plan.push({ lo, hi: cut - 1n });
    lo = cut;
  }
  plan.push({ lo, hi: max });
  return plan;
}

function partitionCount(input: PlanInput, keys: bigint): number {
  const rows = Number.isFinite(input.estimatedRows) ? input.estimatedRows : 0;
  const wanted = input.partitions;
  if (!Number.isFinite(wanted) || wanted < 1) {
    throw new RangeError(`partitions must be a finite number ≥ 1, got ${wanted}`);
  }
  let count = Math.floor(wanted);
  // A non-empty key space has its min and max rows at least, whatever a stale estimate says.
  if (rows >= 1) count = Math.min(count, Math.max(Math.floor(rows), keys > 1n ? 2 : 1));
  if (BigInt(count) > keys) count = Number(keys);
  return count;
}

/** A point of the cumulative row curve: `f` units of rows lie before key position `x`. */
interface Knot {
  readonly x: bigint;
  readonly f: number;
}

function rowCurve(min: bigint, max: bigint, raw: readonly bigint[]): Knot[] {
  const end = max + 1n;
  const samples = raw.filter((s) => s >= min && s <= max).sort(compare);
  const first = samples[0];
  const last = samples[samples.length - 1];
  if (first === undefined || last === undefined)
    return [
      { x: min, f: 0 },
      { x: end, f: 1 },
    ];
  if (first === last) {
    // One distinct value: read it as the median.
    return first === min
      ? [
          { x: min, f: 0 },
          { x: end, f: 1 },
        ]
      : [
          { x: min, f: 0 },
          { x: first, f: 1 },
          { x: end, f: 2 },
        ];
  }

  const n = samples.length;
  const left = tailMass(first - min, (i) => samples[i]!, n);
  const right = tailMass(end - last, (i) => samples[n - 1 - i]!, n);
  const knots: Knot[] = [{ x: min, f: 0 }];
  samples.forEach((s, i) => knots.push({ x: s, f: left + i }));
  knots.push({ x: end, f: left + (n - 1) + right });
  return knots;
}

/**
 * Rows in a tail of `width` keys, at the average density of the TAIL_BUCKETS outermost buckets
 * (widened until they span at least one key, when samples repeat), at most one bucket. `at(i)`
 * reads the samples from that tail's side inwards.
 */
function tailMass(width: bigint, at: (i: number) => bigint, n: number): number {
  if (width <= 0n) return 0;
  let buckets = Math.min(TAIL_BUCKETS, n - 1);
  while (at(buckets) === at(0)) buckets++; // terminates: at least two distinct samples
  const span = at(buckets) - at(0);
  const spanKeys = Number(span < 0n ? -span : span);
  return Math.min(1, (buckets / spanKeys) * Number(width));
}

/** The first key of partitions 2..count for equal widths: min + round(j * keys / count). */
function equalWidthCuts(min: bigint, max: bigint, count: number): bigint[] {
  const keys = max - min + 1n;
  const n = BigInt(count);
  const cuts: bigint[] = [];
  for (let j = 1n; j < n; j++) cuts.push(min + (2n * j * keys + n) / (2n * n));
  return cuts; // strictly increasing in (min, max], since count ≤ keys
}

/** The first key of partitions 2..count where the row curve reaches j/count of its total. */
function curveCuts(knots: readonly Knot[], max: bigint, count: number): bigint[] {
  const total = knots[knots.length - 1]!.f;
  const cuts: bigint[] = [];
  let previous = knots[0]!.x;
  let segment = 0;
  for (let j = 1; j < count; j++) {
    const target = (total * j) / count;
    while (segment < knots.length - 2 && knots[segment + 1]!.f < target) segment++;
    let cut = interpolate(knots[segment]!, knots[segment + 1]!, target);
    if (cut > max) cut = max;
    if (cut <= previous) continue; // a heavy key or a rounding tie: one partition fewer
    cuts.push(cut);
    previous = cut;
  }
  return cuts;
}

/** The key nearest to where the curve reaches `target` between knots a and b. */
function interpolate(a: Knot, b: Knot, target: number): bigint {
  const width = b.x - a.x;
  if (width === 0n || b.f <= a.f) return a.x;
  const fraction = Math.min(1, Math.max(0, (target - a.f) / (b.f - a.f)));
  const scaled = BigInt(Math.round(fraction * Number(SCALE)));
  return a.x + (width * scaled + SCALE / 2n) / SCALE;
}

function compare(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
