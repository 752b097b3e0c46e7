/** The shape of one benchmark run's result, as written to bench/results/<timestamp>.json. */
import type { Machine } from './machine.js';
import type { ModeResult } from './modes/types.js';
import type { CpuFigures } from './cpuFigures.js';
import type { CpuRatios, Ratios, ScalePoint, Target } from './ratios.js';

export interface ModeOutput extends ModeResult {
  /** 1-minute load average just before and just after the mode. */
  readonly load: readonly [number, number];
  /** Seconds of every repetition (the fastest is `seconds`). */
  readonly samples?: readonly number[];
  /** This process's peak RSS while the mode ran, MB. */
  readonly peakRssMb?: number;
  /** CPU per row over the rounds (bench/cpu.ts; absent when the server is not on this machine). */
  readonly cpu?: CpuFigures;
}

export interface BenchResult {
  readonly rows: number;
  readonly modes: Readonly<Record<string, ModeOutput>>;
  /** Of each mode's fastest run (best of the rounds). */
  readonly ratios: Ratios;
  /** The median of the rounds' ratios (bench/ratios.ts pairedRatios); all null with one round. */
  readonly pairedRatios: Ratios;
  /** CPU per row, limit ÷ pgphase (bench/ratios.ts cpuRatios), and why there is none when not measured. */
  readonly cpuRatios: CpuRatios;
  /** Spread ((max − min) / median over the rounds) of each mode's wall time and CPU per row. */
  readonly spreads: Readonly<Record<string, { readonly wall: number; readonly cpu: number | null }>>;
  /** This process's peak resident set while it ran as the runner (runner modes, scaling), MB. */
  readonly peakRssMb: number;
  /** Peak RSS (sampled every 50 ms) in runner modes, in any mode, just before the first mode, and getrusage's lifetime maxrss. */
  readonly rss: { readonly runnerModesMb: number; readonly anyModeMb: number; readonly beforeModesMb: number; readonly processLifetimeMb: number };
  readonly targets: readonly Target[];
  /** Rows staged by each full-data staging mode; they must agree. */
  readonly stagedCheck: {
    readonly staged: Readonly<Record<string, number>>;
    readonly checksums: Readonly<Record<string, string>>;
    readonly consistent: boolean;
  };
  readonly scale?: {
    readonly points: readonly (ScalePoint & { readonly rowsPerSec: number; readonly load: readonly [number, number] })[];
    readonly linearity: number | null;
  };
  readonly settings: {
    readonly seed: number;
    readonly badRatio: number | null;
    readonly workers: number;
    readonly recordWorkers: number;
    /** null: every row. */
    readonly clientLoopRows: number | null;
    readonly recordRows: number | null;
    readonly repeat: number;
  };
  readonly dataset: { readonly rawRows: Readonly<Record<string, number>>; readonly generateSeconds: number };
  readonly machine: Machine;
  readonly command: string;
  readonly startedAt: string;
  readonly totalSeconds: number;
}
