/**
 * Ratios between modes and the targets the benchmark must show, from measured figures only.
 * Pure: a missing or skipped mode gives a null ratio and a target marked unknown, never a guess.
 */
export interface Figure {
  readonly seconds: number;
  readonly rowsPerSec: number;
  readonly skipped?: string;
  readonly staged?: number;
  readonly checksum?: string;
  readonly extrapolated?: unknown;
}

export interface ScalePoint {
  readonly rows: number;
  readonly seconds: number;
  readonly secondsPerRow: number;
}

export interface Ratios {
  readonly pgphase_vs_limit: number | null;
  readonly pgphase_vs_record: number | null;
  readonly pgphase_vs_client_loop: number | null;
  readonly parallel_speedup: number | null;
  /** Same core count as the limit (1 connection each): pgphase_1 over limit. */
  readonly pgphase_1_vs_limit: number | null;
  /** Same core count: pgphase_n over limit_n (N connections each staging a share of the keys). */
  readonly pgphase_vs_limit_n: number | null;
  /** Diagnostic: pgphase_1 over limit_batched (the same statement in batches of about the runner's size): what the driver and the runner add to batching. */
  readonly pgphase_1_vs_limit_batched: number | null;
  /** Diagnostic: limit_batched over limit: what batching itself costs. */
  readonly limit_batched_vs_limit: number | null;
  /** The health gate's cost: pgphase_n with the gate over pgphase_n without its signals (1.0: free). */
  readonly gate_on_vs_off: number | null;
  /** The same with 1 worker. */
  readonly gate_on_vs_off_1: number | null;
  /** Diagnostic: N runner instances of 1 worker sharing a run, over pgphase_1. */
  readonly shared_parallel_speedup: number | null;
}

export interface Target {
  readonly name: string;
  readonly goal: string;
  readonly value: number | null;
  /** null when the figure was not measured in this run. */
  readonly met: boolean | null;
}

const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

function ratio(a: Figure | undefined, b: Figure | undefined): number | null {
  if (!a || !b || a.skipped || b.skipped || !(a.rowsPerSec > 0) || !(b.rowsPerSec > 0)) return null;
  return round(a.rowsPerSec / b.rowsPerSec, 3);
}

export function computeRatios(modes: Readonly<Record<string, Figure>>): Ratios {
  return {
    pgphase_vs_limit: ratio(modes.pgphase_n, modes.limit),
    pgphase_vs_record: ratio(modes.pgphase_n, modes.record),
    pgphase_vs_client_loop: ratio(modes.pgphase_n, modes.client_loop),
    parallel_speedup: ratio(modes.pgphase_n, modes.pgphase_1),
    pgphase_1_vs_limit: ratio(modes.pgphase_1, modes.limit),
    pgphase_vs_limit_n: ratio(modes.pgphase_n, modes.limit_n),
    pgphase_1_vs_limit_batched: ratio(modes.pgphase_1, modes.limit_batched),
    limit_batched_vs_limit: ratio(modes.limit_batched, modes.limit),
    shared_parallel_speedup: ratio(modes.pgphase_n_shared, modes.pgphase_1),
    gate_on_vs_off: ratio(modes.pgphase_n, modes.pgphase_n_nogate),
    gate_on_vs_off_1: ratio(modes.pgphase_1, modes.pgphase_1_nogate),
  };
}

/**
 * Rows staged by each mode that ran over the whole data (not the curated phase), the checksum of
 * those rows (bench/stagedChecksum.ts), and whether * they agree: every staging mode must accept exactly the same rows.
 */
export function stagedCheck(modes: Readonly<Record<string, Figure>>): {
  readonly staged: Record<string, number>;
  readonly checksums: Record<string, string>;
  readonly consistent: boolean;
} {
  const full = Object.entries(modes).filter(([name, m]) => name !== 'curated' && !m.skipped && !m.extrapolated);
  const staged = Object.fromEntries(full.filter(([, m]) => m.staged !== undefined).map(([name, m]) => [name, m.staged!]));
  const checksums = Object.fromEntries(full.filter(([, m]) => m.checksum !== undefined).map(([name, m]) => [name, m.checksum!]));
  return { staged, checksums, consistent: new Set(Object.values(staged)).size <= 1 && new Set(Object.values(checksums)).size <= 1 };
}

/** Seconds per row at the largest size over that at the smallest: 1.0 is perfectly linear. */
export function linearity(points: readonly ScalePoint[]): number | null {
  if (points.length < 2) return null;
  const sorted = [...points].sort((a, b) => a.rows - b.rows);
  return round(sorted.at(-1)!.secondsPerRow / sorted[0]!.secondsPerRow, 3);
}

export function checkTargets(ratios: Ratios, peakRssMb: number, scaleLinearity: number | null): Target[] {
  const atLeast = (name: string, value: number | null, min: number): Target => ({ name, goal: `>= ${min}`, value, met: value === null ? null : value >= min });
  return [
    atLeast('pgphase_vs_limit', ratios.pgphase_vs_limit, 0.8),
    // Issue 11's figures, measured on 1M rows before the generic driver: keep them or better.
    atLeast('pgphase_vs_limit_n', ratios.pgphase_vs_limit_n, 0.93),
    atLeast('pgphase_1_vs_limit', ratios.pgphase_1_vs_limit, 0.89),
    atLeast('pgphase_vs_record', ratios.pgphase_vs_record, 2),
    atLeast('gate_on_vs_off', ratios.gate_on_vs_off, 0.98),
    atLeast('pgphase_vs_client_loop', ratios.pgphase_vs_client_loop, 20),
    { name: 'peakRssMb', goal: '< 150', value: peakRssMb, met: peakRssMb < 150 },
    {
      name: 'scale_linearity',
      goal: 'within 10% (0.90..1.10)',
      value: scaleLinearity,
      met: scaleLinearity === null ? null : Math.abs(scaleLinearity - 1) <= 0.1,
    },
  ];
}
