/**
 * Batch-size controller: picks the next batch size (in rows) from how the last batches went.
 * Pure: `observeBatch(state, observation)` returns a new state and never mutates the old one.
 *
 * 1. Duration (after GitLab's batched background migrations, `BatchOptimizer`): the cost per
 *    row is smoothed with an exponential moving average (EMA, weight `alpha` on the newest
 *    batch). Per row rather than per batch, so batches of different sizes are comparable.
 *    efficiency = predicted duration of the current size / targetMs.
 *      - below `efficiencyLow`: grow toward the middle of the band, by at most `maxGrowth`×;
 *      - above `efficiencyHigh`: shrink proportionally toward the middle of the band;
 *      - inside the band: keep the size.
 *    (GitLab aims at the band's top; aiming at its middle keeps noise from flapping it out.)
 * 2. Throughput (beyond GitLab, which only targets duration): sizes are grouped in regions a
 *    factor `regionRatio` wide, each keeping an EMA of rows/s. If two batches in a row, in
 *    regions larger than the best region, ran slower in rows/s than the best by more than
 *    `tolerance` (and by more than twice the measured noise: the EMA of how far a batch's
 *    rows/s strays from its region's EMA), growing stopped paying (lock contention, memory
 *    spills, WAL pressure): the size steps back to the best region's size, and growth is
 *    capped there for `holdBatches` batches, after which it may probe upward again. Duration
 *    can still shrink below the cap.
 * 3. Failures: a timed-out batch shrinks at once, to half its size or to what would have fit
 *    in the target at the observed rate, whichever is smaller; it raises the per-row cost to at
 *    least what it showed and caps growth one step below the size that timed out for
 *    `holdBatches` batches. Any other failure halves the size (smaller batches hold fewer
 *    locks) and leaves the estimates alone.
 * 4. Slow start: the first batch of a step is `initial` rows (the runner's default is one key),
 *    because nothing is known yet of what a key costs there: a curated game can cost 70 ms, a
 *    staged row 30 µs. Until a batch predicts at least half the target, growth may reach
 *    `startGrowth`× per batch instead of `maxGrowth`×, and the newest batch alone gives the cost
 *    per row (the first, tiny batches are mostly per-call overhead), so a cheap phase reaches its
 *    size in a few batches and an expensive one never starts far past the target. Slow-start
 *    batches do not enter the throughput regions of rule 2 (their rows/s is mostly overhead
 *    and noise: the bench once saw a step back to 216 rows held for 50 batches).
 * Every size is an integer clamped to [floor, max], where the floor is `min` unless the measured
 * cost per row says that `min` rows already run past the target: then the floor follows the cost
 * (the rows that fit in the target), down to one row, so that no batch of an expensive phase
 * (a curated game costs ~70 ms) runs many times past the target at a fixed floor. Observations of
 * fewer than one row, or with non-finite or negative numbers, carry no information and leave the
 * size as it is.
 */

export interface BatchControllerOptions {
  /** Wanted duration of one batch, in milliseconds. Required. */
  readonly targetMs: number;
  /** Smallest batch size in rows, an integer ≥ 1, while `min` rows fit in the target (see above). Required. */
  readonly min: number;
  /** Largest batch size in rows, ≥ min. Required. */
  readonly max: number;
  /** First batch size, clamped to [1, max] (below `min` is allowed: the cost is not known yet). Default: `min`. */
  readonly initial?: number;
  /** Largest growth factor per batch, > 1. Default 1.2 (GitLab's MAX_MULTIPLIER). */
  readonly maxGrowth?: number;
  /** Largest growth factor per batch during slow start (see 4), ≥ maxGrowth. Default: maxGrowth (no slow start). */
  readonly startGrowth?: number;
  /** EMA weight of the newest observation, in (0, 1]. Default 0.4 (GitLab's EMA_ALPHA). */
  readonly alpha?: number;
  /** Grow when efficiency (duration / targetMs) is below this. Default 0.90 (GitLab). */
  readonly efficiencyLow?: number;
  /** Shrink when efficiency is above this. Default 0.95 (GitLab). */
  readonly efficiencyHigh?: number;
  /** Throughput loss against the best region that triggers a step back. Default 0.1; Infinity turns the throughput rule off. */
  readonly tolerance?: number;
  /** Width factor of a throughput region, > 1. Default 1.25. */
  readonly regionRatio?: number;
  /** Batches a growth cap (after a step back or a timeout) lasts. Default 50. */
  readonly holdBatches?: number;
}

export type ResolvedBatchOptions = Required<BatchControllerOptions>;

/** What one batch did. `rows` counts the rows the batch covered (attempted, if it failed). */
export interface BatchObservation {
  readonly rows: number;
  readonly ms: number;
  readonly timedOut?: boolean;
  readonly failed?: boolean;
}

/** Why the size changed (or did not), for logs and progress output. */
export type BatchDecision = 'start' | 'grow' | 'shrink' | 'steady' | 'capped' | 'step-back' | 'timeout' | 'failed' | 'no-data';

export interface RegionThroughput {
  /** EMA of rows per second for batches in this region. */
  readonly rowsPerSec: number;
  /** The size of the latest batch seen in this region. */
  readonly size: number;
}

export interface BatchState {
  readonly options: ResolvedBatchOptions;
  /** The size of the next batch: an integer in [min, max]. */
  readonly size: number;
  /** EMA of milliseconds per row; null until a batch with rows was seen. */
  readonly msPerRow: number | null;
  /** EMA of |rows/s / its region's EMA − 1| over batches in a region seen before: the noise. */
  readonly noise: number;
  /** Consecutive batches that ran slower than the best region (see STRIKES). */
  readonly strikes: number;
  /** Throughput per size region, keyed by floor(log(rows) / log(regionRatio)). */
  readonly regions: ReadonlyMap<number, RegionThroughput>;
  /** Growth cap while `holdLeft` > 0, or null. */
  readonly ceiling: number | null;
  readonly holdLeft: number;
  /** Slow start (see 4): true until a batch predicts half the target, or shrinks, times out or fails. */
  readonly starting: boolean;
  readonly decision: BatchDecision;
}

/** Slow start ends once the current size is predicted to take this share of the target. */
const START_ENDS_AT = 0.5;

/** Shortest duration taken at face value, so that a 0 ms batch yields finite rates. */
const MIN_MS = 0.001;
/** Consecutive slower batches needed before a step back, so one unlucky batch is not enough. */
const STRIKES = 2;
/** A throughput drop must also exceed this many times the measured noise to count. */
const NOISE_MARGIN = 2;

export function createBatchState(options: BatchControllerOptions): BatchState {
  const resolved = resolveOptions(options);
  return {
    options: resolved,
    size: clamp(resolved.initial, resolved, null, 1),
    msPerRow: null,
    noise: 0,
    strikes: 0,
    regions: new Map(),
    ceiling: null,
    holdLeft: 0,
    starting: resolved.startGrowth > resolved.maxGrowth,
    decision: 'start',
  };
}

export function observeBatch(state: BatchState, observation: BatchObservation): BatchState {
  const o = state.options;
  const { rows, ms } = observation;
  const valid = Number.isFinite(rows) && Number.isFinite(ms) && rows >= 1 && ms >= 0;
  const holdLeft = Math.max(0, state.holdLeft - 1);
  const ceiling = state.holdLeft > 0 ? state.ceiling : null;

  if (observation.failed && !observation.timedOut) {
    // Never larger than the failed batch (which may be below the floor: a first batch of one key).
    return { ...state, size: Math.min(state.size, clamp(state.size / 2, o, state.msPerRow)), ceiling, holdLeft, starting: false, decision: 'failed' };
  }
  if (observation.timedOut) {
    const attempted = valid ? rows : state.size;
    const rate = valid && ms > 0 ? ms / attempted : null;
    const fits = rate === null ? Infinity : (o.targetMs * bandMiddle(o)) / rate;
    const msPerRow = rate === null ? state.msPerRow : Math.max(state.msPerRow ?? 0, rate);
    return {
      ...state,
      size: Math.min(state.size, clamp(Math.min(state.size / 2, attempted / 2, fits), o, msPerRow)),
      msPerRow,
      ceiling: clamp(attempted / o.maxGrowth, o),
      holdLeft: o.holdBatches,
      starting: false,
      decision: 'timeout',
    };
  }
  if (!valid) return { ...state, ceiling, holdLeft, decision: 'no-data' };

  const seconds = Math.max(ms, MIN_MS) / 1000;
  // During slow start the newest batch alone sets the cost: the first, tiny batches are mostly
  // per-call overhead, and averaging them in would stop the growth early.
  const msPerRow = state.starting ? ms / rows : ema(state.msPerRow, ms / rows, o.alpha);
  const efficiency = (msPerRow * state.size) / o.targetMs;
  const starting = state.starting && efficiency < START_ENDS_AT;

  // Throughput is only compared between batches of a working size: the tiny batches of slow start
  // say more about per-call overhead and noise than about what a size costs, and a step back to
  // one of them would hold a cheap phase at a few hundred rows for holdBatches batches.
  const rowsPerSec = rows / seconds;
  const region = regionOf(rows, o);
  const seen = starting ? undefined : state.regions.get(region);
  const noise = seen ? ema(state.noise, Math.min(1, Math.abs(rowsPerSec / seen.rowsPerSec - 1)), o.alpha) : state.noise;
  const regions = starting ? state.regions : withThroughput(state.regions, rows, rowsPerSec, o);

  // 1. Duration.
  const growth = starting ? o.startGrowth : o.maxGrowth;
  let factor = 1;
  if (efficiency < o.efficiencyLow) {
    factor = efficiency === 0 ? growth : Math.min(growth, bandMiddle(o) / efficiency);
  } else if (efficiency > o.efficiencyHigh) {
    factor = bandMiddle(o) / efficiency;
  }
  const proposed = factor > 1 ? Math.max(state.size + 1, state.size * factor) : state.size * factor;

  // 2. Throughput.
  const best = bestRegion(regions);
  const current = regions.get(region);
  const tolerance = Math.max(o.tolerance, NOISE_MARGIN * noise);
  const slower = best !== undefined && current !== undefined && region > best.key && current.rowsPerSec < best.value.rowsPerSec * (1 - tolerance);
  const strikes = slower ? state.strikes + 1 : 0;
  const stepBack = best !== undefined && strikes >= STRIKES;
  const cap = stepBack ? { ceiling: best.value.size, holdLeft: o.holdBatches } : { ceiling, holdLeft };
  const size = clamp(cap.ceiling === null ? proposed : Math.min(proposed, cap.ceiling), o, msPerRow);

  let decision: BatchDecision = size > state.size ? 'grow' : size < state.size ? 'shrink' : 'steady';
  if (stepBack && size < state.size) decision = 'step-back';
  else if (cap.ceiling !== null && clamp(proposed, o, msPerRow) > size) decision = 'capped';
  return { ...state, size, msPerRow, noise, strikes: stepBack ? 0 : strikes, regions, ...cap, starting: starting && size >= state.size, decision };
}

function resolveOptions(options: BatchControllerOptions): ResolvedBatchOptions {
  const resolved: ResolvedBatchOptions = {
    initial: options.min,
    maxGrowth: options.maxGrowth ?? 1.2,
    startGrowth: options.startGrowth ?? options.maxGrowth ?? 1.2,
    alpha: 0.4,
    efficiencyLow: 0.9,
    efficiencyHigh: 0.95,
    tolerance: 0.1,
    regionRatio: 1.25,
    holdBatches: 50,
    ...stripUndefined(options),
  };
  const { targetMs, min, max, maxGrowth, alpha, efficiencyLow, efficiencyHigh, tolerance, regionRatio } = resolved;
  const problems: string[] = [];
  if (!(targetMs > 0 && Number.isFinite(targetMs))) problems.push(`targetMs must be > 0 (got ${targetMs})`);
  if (!(Number.isInteger(min) && min >= 1)) problems.push(`min must be an integer ≥ 1 (got ${min})`);
  if (!(max >= min && Number.isFinite(max))) problems.push(`max must be ≥ min (got ${max})`);
  if (!Number.isFinite(resolved.initial)) problems.push(`initial must be finite (got ${resolved.initial})`);
  if (!(maxGrowth > 1 && Number.isFinite(maxGrowth))) problems.push(`maxGrowth must be > 1 (got ${maxGrowth})`);
  if (!(resolved.startGrowth >= maxGrowth && Number.isFinite(resolved.startGrowth)))
    problems.push(`startGrowth must be ≥ maxGrowth (got ${resolved.startGrowth})`);
  if (!(alpha > 0 && alpha <= 1)) problems.push(`alpha must be in (0, 1] (got ${alpha})`);
  if (!(efficiencyLow > 0 && efficiencyLow <= efficiencyHigh && Number.isFinite(efficiencyHigh))) {
    problems.push(`need 0 < efficiencyLow ≤ efficiencyHigh (got ${efficiencyLow}, ${efficiencyHigh})`);
  }
  if (!(tolerance >= 0)) problems.push(`tolerance must be ≥ 0 (got ${tolerance})`);
  if (!(regionRatio > 1 && Number.isFinite(regionRatio))) problems.push(`regionRatio must be > 1 (got ${regionRatio})`);
  if (!(Number.isInteger(resolved.holdBatches) && resolved.holdBatches >= 0)) {
    problems.push(`holdBatches must be an integer ≥ 0 (got ${resolved.holdBatches})`);
  }
  if (problems.length > 0) throw new RangeError(`invalid batch controller options: ${problems.join('; ')}`);
  return resolved;
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function bandMiddle(o: ResolvedBatchOptions): number {
  return (o.efficiencyLow + o.efficiencyHigh) / 2;
}

function ema(previous: number | null, sample: number, alpha: number): number {
  return previous === null ? sample : alpha * sample + (1 - alpha) * previous;
}

/**
 * The smallest size allowed at a cost of `msPerRow`: `min`, or fewer rows (at least one) when
 * `min` rows would run past the top of the efficiency band.
 */
export function floorFor(o: ResolvedBatchOptions, msPerRow: number | null): number {
  if (msPerRow === null || !(msPerRow > 0) || msPerRow * o.min <= o.targetMs * o.efficiencyHigh) return o.min;
  return Math.max(1, Math.min(o.min, Math.floor((o.targetMs * bandMiddle(o)) / msPerRow)));
}

function clamp(size: number, o: ResolvedBatchOptions, msPerRow: number | null = null, floor = floorFor(o, msPerRow)): number {
  const whole = Number.isFinite(size) ? Math.floor(size) : o.max;
  return Math.min(Math.floor(o.max), Math.max(floor, whole));
}

/**
 * The same state under new limits (an operator's `pgphase tune --batch-max/--target-ms`): the
 * estimates are kept and the size is clamped to the new bounds.
 */
export function retuneBatch(state: BatchState, limits: { readonly max?: number | null; readonly targetMs?: number | null }): BatchState {
  const max = limits.max ?? state.options.max;
  const targetMs = limits.targetMs ?? state.options.targetMs;
  if (max === state.options.max && targetMs === state.options.targetMs) return state;
  const options = resolveOptions({ ...state.options, max: Math.max(state.options.min, max), targetMs });
  return { ...state, options, size: clamp(state.size, options, state.msPerRow) };
}

function regionOf(rows: number, o: ResolvedBatchOptions): number {
  return Math.floor(Math.log(Math.max(1, rows)) / Math.log(o.regionRatio));
}

function withThroughput(
  regions: ReadonlyMap<number, RegionThroughput>,
  rows: number,
  rowsPerSec: number,
  o: ResolvedBatchOptions,
): ReadonlyMap<number, RegionThroughput> {
  const key = regionOf(rows, o);
  const previous = regions.get(key);
  const next = new Map(regions);
  next.set(key, { rowsPerSec: ema(previous?.rowsPerSec ?? null, rowsPerSec, o.alpha), size: Math.max(1, Math.floor(rows)) });
  return next;
}

function bestRegion(regions: ReadonlyMap<number, RegionThroughput>): { key: number; value: RegionThroughput } | undefined {
  let best: { key: number; value: RegionThroughput } | undefined;
  for (const [key, value] of regions) {
    if (!best || value.rowsPerSec > best.value.rowsPerSec) best = { key, value };
  }
  return best;
}
