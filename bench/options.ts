/**
 * The benchmark's options, parsed from the command line's strings into one typed, readonly
 * object. Pure: no I/O, so the parsing rules are testable without a database.
 */
import { availableParallelism } from 'node:os';

/**
 * Every mode, in the order they run (every other round reversed, bench/harness.ts roundOrder).
 * Each runner mode runs next to the limit it is measured against (limit and pgphase_1, limit_n
 * and pgphase_n: the issue's two targets), so that the rounds' ratios compare runs a minute
 * apart; curated right after pgphase_n reuses its staging. The `_nogate` twins run the runner
 * without the health gate's signals, one mode away from their gated twin, so that one bench shows
 * what the gate costs.
 */
export const MODE_NAMES = [
  'limit_batched',
  'pgphase_1_nogate',
  'limit',
  'pgphase_1',
  'limit_n',
  'pgphase_n',
  'curated',
  'pgphase_n_nogate',
  'pgphase_n_shared',
  'record',
  'client_loop',
] as const;
export type ModeName = (typeof MODE_NAMES)[number];

export interface BenchOptions {
  /** Raw rows generated (all four raw tables together). Default 1,000,000. */
  readonly rows: number;
  /** N, the workers of pgphase_n. Default: this machine's cores, at least 2. */
  readonly workers: number;
  /** Workers of the record mode. Default N. */
  readonly recordWorkers: number;
  /** Modes to run, in the order they run. Default: all. */
  readonly modes: readonly ModeName[];
  /** Seed of the sample-data generator. Default 42. */
  readonly seed: number;
  /** Share of bad rows the generator writes; undefined: the generator's default. */
  readonly badRatio: number | undefined;
  /** Rows the client loop really processes; its rate is extrapolated to `rows`. Default 20,000. */
  readonly clientLoopRows: number;
  /** Rows the record mode really processes (`all`: every row); extrapolated. Default 50,000. */
  readonly recordRows: number;
  /** Sizes of the scaling series (pgphase_n at each size); empty: no series. */
  readonly scale: readonly number[];
  /** Runs of each timed mode; the fastest is kept (others are listed). Default 1. */
  readonly repeat: number;
  readonly json: boolean;
  /** The runner's health gate on (default) or off (`--no-health-gate`). */
  readonly healthGate: boolean;
  readonly verbose: boolean;
}

export interface RawOptions {
  rows?: string;
  workers?: string;
  recordWorkers?: string;
  modes?: string;
  seed?: string;
  badRatio?: string;
  clientLoopRows?: string;
  recordRows?: string;
  scale?: string;
  repeat?: string;
  json?: boolean;
  verbose?: boolean;
  healthGate?: boolean;
}

/** Reads `1000000`, `1,000,000`, `1_000_000`, `100k`, `1m` or `1e6` as a whole number. */
export function parseCount(name: string, text: string, min = 1): number {
  const match = /^\s*([\d.,_e+]+)\s*([km])?\s*$/i.exec(text);
  const base = match ? Number(match[1]!.replace(/[,_]/g, '')) : NaN;
  const n = base * (match?.[2] ? (match[2].toLowerCase() === 'k' ? 1e3 : 1e6) : 1);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be a whole number of at least ${min}, not ${JSON.stringify(text)}`);
  return n;
}

export function parseModes(text: string): ModeName[] {
  const names = text
    .split(',')
    .map((m) => m.trim())
    .filter(Boolean);
  const unknown = names.filter((m) => !(MODE_NAMES as readonly string[]).includes(m));
  if (unknown.length > 0) throw new Error(`unknown mode(s) ${unknown.join(', ')}; known: ${MODE_NAMES.join(', ')}`);
  // Run in the canonical order whatever order they were given in: curated follows a runner's staging.
  return MODE_NAMES.filter((m) => names.includes(m));
}

export function parseOptions(raw: RawOptions): BenchOptions {
  const problems: string[] = [];
  const attempt = <T>(fn: () => T, fallback: T): T => {
    try {
      return fn();
    } catch (error) {
      problems.push((error as Error).message);
      return fallback;
    }
  };
  const workers = attempt(() => (raw.workers ? parseCount('--workers', raw.workers) : Math.max(2, availableParallelism())), 2);
  const badRatio = raw.badRatio === undefined ? undefined : Number(raw.badRatio);
  if (badRatio !== undefined && !(badRatio >= 0 && badRatio <= 1)) problems.push(`--bad-ratio must be between 0 and 1, not ${JSON.stringify(raw.badRatio)}`);
  const options: BenchOptions = {
    rows: attempt(() => parseCount('--rows', raw.rows ?? '1000000', 100), 0),
    workers,
    recordWorkers: attempt(() => (raw.recordWorkers ? parseCount('--record-workers', raw.recordWorkers) : workers), 1),
    modes: attempt(() => parseModes(raw.modes ?? MODE_NAMES.join(',')), []),
    seed: attempt(() => parseCount('--seed', raw.seed ?? '42', 0), 42),
    badRatio,
    clientLoopRows: attempt(() => (raw.clientLoopRows === 'all' ? Infinity : parseCount('--client-loop-rows', raw.clientLoopRows ?? '20000', 100)), 0),
    recordRows: attempt(() => (raw.recordRows === 'all' ? Infinity : parseCount('--record-rows', raw.recordRows ?? '50000', 100)), 0),
    scale: attempt(
      () =>
        raw.scale
          ? raw.scale
              .split(',')
              .filter((s) => s.trim())
              .map((s) => parseCount('--scale', s, 100))
          : [],
      [],
    ),
    repeat: attempt(() => parseCount('--repeat', raw.repeat ?? '1'), 1),
    json: Boolean(raw.json),
    healthGate: raw.healthGate !== false,
    verbose: Boolean(raw.verbose),
  };
  if (options.modes.length === 0 && options.scale.length === 0 && problems.length === 0) problems.push('nothing to run: give --modes or --scale');
  if (problems.length > 0) throw new Error(problems.join('\n'));
  return options;
}
