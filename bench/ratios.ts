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
  /** Seconds of each round, in round order (bench/harness.ts), when the mode ran more than once. */
  readonly samples?: readonly number[];
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
  /** Of the modes' fastest runs (best of the rounds): what `met` judges. */
  readonly value: number | null;
  /** The median of the rounds' ratios (pairedRatios), shown beside it; null with one round. */
  readonly paired?: number | null;
  /** null when the figure was not measured in this run. */
  readonly met: boolean | null;
}

const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

function ratio(a: Figure | undefined, b: Figure | undefined): number | null {
  if (!a || !b || a.skipped || b.skipped || !(a.rowsPerSec > 0) || !(b.rowsPerSec > 0)) return null;
  return round(a.rowsPerSec / b.rowsPerSec, 3);
}

/** Each ratio: the mode measured, over the mode it is measured against. */
const PAIRS: Readonly<Record<keyof Ratios, readonly [string, string]>> = {
  pgphase_vs_limit: ['pgphase_n', 'limit'],
  pgphase_vs_record: ['pgphase_n', 'record'],
  pgphase_vs_client_loop: ['pgphase_n', 'client_loop'],
  parallel_speedup: ['pgphase_n', 'pgphase_1'],
  pgphase_1_vs_limit: ['pgphase_1', 'limit'],
  pgphase_vs_limit_n: ['pgphase_n', 'limit_n'],
  pgphase_1_vs_limit_batched: ['pgphase_1', 'limit_batched'],
  limit_batched_vs_limit: ['limit_batched', 'limit'],
  shared_parallel_speedup: ['pgphase_n_shared', 'pgphase_1'],
  gate_on_vs_off: ['pgphase_n', 'pgphase_n_nogate'],
  gate_on_vs_off_1: ['pgphase_1', 'pgphase_1_nogate'],
};

/** Every ratio from each mode's fastest run (best of the rounds). */
export function computeRatios(modes: Readonly<Record<string, Figure>>): Ratios {
  return Object.fromEntries(Object.entries(PAIRS).map(([name, [a, b]]) => [name, ratio(modes[a], modes[b])])) as unknown as Ratios;
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((x, y) => x - y);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/**
 * Every ratio round by round: in each round both modes ran within minutes of each other (next to
 * each other when listed so, bench/harness.ts), so a drift of the machine's speed over the run
 * (this 2-core VM's runs of one mode vary by 10–35%) hits both alike, where the best-of-rounds
 * ratio compares one mode's luckiest minute with another's. The median of the rounds' ratios;
 * null unless both modes have a time for at least two of the same rounds. A mode's rate in a
 * round is its best rate scaled by its best time over that round's time (same rows every round).
 */
export function pairedRatios(modes: Readonly<Record<string, Figure>>): Ratios {
  const paired = (a: Figure | undefined, b: Figure | undefined): number | null => {
    if (ratio(a, b) === null || !a!.samples || !b!.samples) return null;
    const rounds = Math.min(a!.samples.length, b!.samples.length);
    if (rounds < 2) return null;
    const perRound = Array.from(
      { length: rounds },
      (_, i) => (a!.rowsPerSec * a!.seconds) / a!.samples![i]! / ((b!.rowsPerSec * b!.seconds) / b!.samples![i]!),
    );
    return round(median(perRound), 3);
  };
  return Object.fromEntries(Object.entries(PAIRS).map(([name, [a, b]]) => [name, paired(modes[a], modes[b])])) as unknown as Ratios;
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

export function checkTargets(ratios: Ratios, peakRssMb: number, scaleLinearity: number | null, paired?: Ratios): Target[] {
  const atLeast = (name: keyof Ratios, min: number): Target => {
    const value = ratios[name];
    return { name, goal: `>= ${min}`, value, ...(paired ? { paired: paired[name] } : {}), met: value === null ? null : value >= min };
  };
  return [
    atLeast('pgphase_vs_limit', 0.8),
    // Issue 11's figures, measured on 1M rows before the generic driver: keep them or better.
    atLeast('pgphase_vs_limit_n', 0.93),
    atLeast('pgphase_1_vs_limit', 0.89),
    atLeast('pgphase_vs_record', 2),
    atLeast('gate_on_vs_off', 0.98),
    atLeast('pgphase_vs_client_loop', 20),
    { name: 'peakRssMb', goal: '< 150', value: peakRssMb, met: peakRssMb < 150 },
    {
      name: 'scale_linearity',
      goal: 'within 10% (0.90..1.10)',
      value: scaleLinearity,
      met: scaleLinearity === null ? null : Math.abs(scaleLinearity - 1) <= 0.1,
    },
  ];
}

/** CPU per row of a limit mode over that of pgphase (1.0: pgphase costs the server no more per row). */
export interface CpuRatios {
  /** limit ÷ pgphase_1 (one connection each). */
  readonly pgphase_cpu_vs_limit: number | null;
  /** limit_n ÷ pgphase_n. */
  readonly pgphase_n_cpu_vs_limit_n: number | null;
  /** Why there are no CPU figures (a server not on this machine), else null. */
  readonly unavailable: string | null;
}

type CpuFigure = Figure & { readonly cpu?: { readonly microsPerRow: number } };

export function cpuRatios(modes: Readonly<Record<string, CpuFigure>>, unavailable: string | null): CpuRatios {
  const r = (limit: string, pgphase: string) => {
    const a = modes[limit]?.cpu?.microsPerRow;
    const b = modes[pgphase]?.cpu?.microsPerRow;
    return a && b ? round(a / b, 3) : null;
  };
  return { pgphase_cpu_vs_limit: r('limit', 'pgphase_1'), pgphase_n_cpu_vs_limit_n: r('limit_n', 'pgphase_n'), unavailable };
}
