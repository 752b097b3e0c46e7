/**
 * The bench's ratios: best of the rounds, and the median of the rounds' ratios (each round's two
 * runs next to each other, every other round reversed), which a drift of the machine's speed
 * across a run cannot tip the way the best of the rounds can.
 */
import { describe, expect, it } from 'vitest';
import { roundOrder } from '../../bench/harness.js';
import { checkTargets, computeRatios, cpuRatios, type Figure, pairedRatios } from '../../bench/ratios.js';
import { cpuFigures, median, spread } from '../../bench/cpuFigures.js';

/** A mode over 1,000 rows with these seconds per round; its best is the fastest. */
function mode(...samples: number[]): Figure {
  const seconds = Math.min(...samples);
  return { seconds, rowsPerSec: 1000 / seconds, samples };
}

describe('roundOrder', () => {
  it('runs the list as given, then reversed, so neighbours stay neighbours and swap places', () => {
    expect(roundOrder(['limit_n', 'pgphase_n', 'limit', 'pgphase_1'], 0)).toEqual(['limit_n', 'pgphase_n', 'limit', 'pgphase_1']);
    expect(roundOrder(['limit_n', 'pgphase_n', 'limit', 'pgphase_1'], 1)).toEqual(['pgphase_1', 'limit', 'pgphase_n', 'limit_n']);
    expect(roundOrder(['limit_n', 'pgphase_n'], 2)).toEqual(['limit_n', 'pgphase_n']);
  });
});

describe('pairedRatios', () => {
  it('takes the median of the rounds ratios, where best of the rounds pairs runs of different minutes', () => {
    // The machine slowed down by half in round 2: limit_n's best is round 1, pgphase_n's too.
    const modes = { limit_n: mode(10, 15), pgphase_n: mode(12, 14) };
    expect(computeRatios(modes).pgphase_vs_limit_n).toBe(0.833); // 10 / 12
    // round 1: 10 / 12 = 0.833; round 2: 15 / 14 = 1.071; median of two = their mean
    expect(pairedRatios(modes).pgphase_vs_limit_n).toBe(0.952);
    // three rounds: the middle one
    expect(pairedRatios({ limit: mode(10, 20, 30), pgphase_1: mode(11, 25, 30) }).pgphase_1_vs_limit).toBe(0.909);
  });

  it('uses the rounds both modes ran, and needs two of them', () => {
    expect(pairedRatios({ limit_n: mode(10, 15, 12), pgphase_n: mode(12, 14) }).pgphase_vs_limit_n).toBe(0.952);
    expect(pairedRatios({ limit_n: mode(10), pgphase_n: mode(12) }).pgphase_vs_limit_n).toBeNull();
    expect(pairedRatios({ limit_n: mode(10, 15) }).pgphase_vs_limit_n).toBeNull();
    expect(pairedRatios({ limit_n: mode(10, 15), pgphase_n: { ...mode(12, 14), skipped: 'failed' } }).pgphase_vs_limit_n).toBeNull();
  });

  it('scales each round by the mode rate, so a mode over a subset of rows compares right', () => {
    // record ran over 100 rows (extrapolated to 1,000 at its measured rate): 10 rows/s
    const record: Figure = { seconds: 100, rowsPerSec: 10, samples: [100, 200] };
    expect(pairedRatios({ record, pgphase_n: mode(2, 4) }).pgphase_vs_record).toBe(50);
  });

  it('shows the median beside the best of the rounds in the targets, which judge the best', () => {
    const modes = { limit_n: mode(10, 15), pgphase_n: mode(12, 14) };
    const target = checkTargets(computeRatios(modes), 100, null, pairedRatios(modes)).find((t) => t.name === 'pgphase_vs_limit_n')!;
    expect(target).toEqual({ name: 'pgphase_vs_limit_n', goal: '>= 0.93', value: 0.833, paired: 0.952, met: false });
  });
});

describe('CPU per row', () => {
  it("takes the median of the rounds' CPU per row, its spread, and the limit ÷ pgphase ratios", () => {
    const rounds = [0.5, 0.4, 0.45].map((s) => ({ seconds: s, server: s - 0.05, bench: 0.05, background: 0.01, rows: 10_000 }));
    const f = cpuFigures(rounds);
    expect(f).toMatchObject({ microsPerRow: 45, rounds: [50, 40, 45], spread: 0.222, serverSeconds: 0.4, benchSeconds: 0.05 });
    expect(spread([10])).toBe(0);
    expect(median([3, 1, 2, 10])).toBe(2.5);
    const modes = {
      limit: { seconds: 1, rowsPerSec: 1, cpu: { microsPerRow: 20 } },
      pgphase_1: { seconds: 1, rowsPerSec: 1, cpu: { microsPerRow: 25 } },
      limit_n: { seconds: 1, rowsPerSec: 1 },
      pgphase_n: { seconds: 1, rowsPerSec: 1, cpu: { microsPerRow: 30 } },
    };
    expect(cpuRatios(modes, null)).toEqual({ pgphase_cpu_vs_limit: 0.8, pgphase_n_cpu_vs_limit_n: null, unavailable: null });
  });
});
