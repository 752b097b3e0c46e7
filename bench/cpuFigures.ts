/**
 * A mode's CPU over its rounds (bench/cpu.ts measures each): microseconds of CPU per row (server +
 * bench process), median and spread, beside the same for wall time, so that a change can be told
 * from the weather: on a shared machine wall time moves 10–35% between rounds, CPU time much less.
 * Pure.
 */
export interface CpuFigures {
  /** Median over the rounds of CPU µs per row (server + bench process). */
  readonly microsPerRow: number;
  /** Of the round with the median: the server's share and the bench process's, seconds. */
  readonly serverSeconds: number;
  readonly benchSeconds: number;
  /** Of the same round: the server's background processes meanwhile (not in microsPerRow), seconds. */
  readonly backgroundSeconds: number;
  /** (max − min) / median of CPU per row over the rounds; 0 with one round. */
  readonly spread: number;
  /** CPU µs per row of every round, in round order. */
  readonly rounds: readonly number[];
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** (max − min) / median; 0 for fewer than two values. */
export function spread(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = median(xs);
  return m > 0 ? round((Math.max(...xs) - Math.min(...xs)) / m, 3) : 0;
}

export function cpuFigures(rounds: readonly { seconds: number; server: number; bench: number; background: number; rows: number }[]): CpuFigures {
  const perRow = rounds.map((r) => (r.seconds * 1e6) / r.rows);
  const m = median(perRow);
  const closest = rounds.reduce((a, r, i) => (Math.abs(perRow[i]! - m) < Math.abs((a.seconds * 1e6) / a.rows - m) ? r : a), rounds[0]!);
  return {
    microsPerRow: round(m, 2),
    serverSeconds: round(closest.server, 3),
    benchSeconds: round(closest.bench, 3),
    backgroundSeconds: round(closest.background, 3),
    spread: spread(perRow),
    rounds: perRow.map((x) => round(x, 2)),
  };
}
