/**
 * Runs the selected modes one after the other over the same data: before each, the state it
 * starts from (clean staging, or staging filled by a runner's staging run, which is then done
 * untimed), a CHECKPOINT, and the load average; every mode is run once per round, `repeat`
 * rounds (every other round in reverse order, roundOrder), and each mode's fastest run kept, with
 * the times of all rounds in round order (`samples`, for the rounds' ratios in ratios.ts). A mode
 * that throws is reported as failed with its message; the others still run.
 */
import type { CpuMeter } from './cpu.js';
import { cpuFigures } from './cpuFigures.js';
import { load } from './machine.js';
import type { Mode, ModeContext } from './modes/types.js';
import { timeRunner } from './modes/timeRunner.js';
import { resetStaging } from './reset.js';
import type { RssSampler } from './rss.js';
import type { ModeOutput } from './result.js';
import { stagedChecksum } from './stagedChecksum.js';

/** Modes that leave staging exactly as a runner's staging phase does (unless run on a subset). */
const LEAVES_STAGED = new Set(['record', 'pgphase_1', 'pgphase_n', 'pgphase_1_nogate', 'pgphase_n_nogate', 'pgphase_n_shared']);
/** Modes that stage the whole data from clean: their staged rows are checksummed (untimed) and must agree. */
const CHECKSUMMED = new Set(['limit', 'limit_n', 'limit_batched', ...LEAVES_STAGED]);

/**
 * The order of round `round` (from 0): as listed in even rounds, reversed in odd ones (A B, then
 * B A). Two modes listed next to each other then run next to each other in every round, and over
 * two rounds each runs as often first as second, so a steady drift of the machine's speed does
 * not favour the mode that happens to run first. Pure.
 */
export function roundOrder<T>(modes: readonly T[], round: number): T[] {
  return round % 2 === 0 ? [...modes] : [...modes].reverse();
}

export async function runModes(
  modes: readonly Mode[],
  ctx: ModeContext,
  repeat: number,
  rss: RssSampler,
  cpu: CpuMeter | null = null,
): Promise<Record<string, ModeOutput>> {
  const best = new Map<string, ModeOutput>();
  const samples = new Map<string, number[]>(modes.map((m) => [m.name, []]));
  /** CPU seconds (server + this process) of every round, with the rows measured. */
  const cpuSamples = new Map<string, { seconds: number; server: number; bench: number; background: number; rows: number }[]>(modes.map((m) => [m.name, []]));
  /** Modes that were skipped or failed: not run again. */
  const settled = new Set<string>();
  let staged = false;
  // Round by round (every mode once, then again): a drift in the machine's load hits every mode
  // alike instead of whichever mode's repeats happen to run during it.
  for (let i = 0; i < repeat; i++) {
    for (const mode of roundOrder(modes, i)) {
      if (settled.has(mode.name)) continue;
      if (mode.start === 'clean') {
        await resetStaging(ctx.url);
        staged = false;
      } else if (!staged) {
        ctx.say(`${mode.name}: running the staging phase first (untimed)`);
        await resetStaging(ctx.url);
        await timeRunner(ctx.url, 'staging', ctx.workers);
        await resetStaging(ctx.url, 'curated');
        staged = true;
      } else await resetStaging(ctx.url, 'curated');
      ctx.say(`${mode.name}${repeat > 1 ? ` (${i + 1}/${repeat})` : ''}: running`);
      const before = load()[0]!;
      rss.nextWindow();
      const serverWindow = cpu?.start() ?? null;
      const benchBefore = process.cpuUsage();
      try {
        const result = await mode.run(ctx);
        const reading = serverWindow?.stop() ?? null;
        const server = reading?.backends ?? null;
        const own = process.cpuUsage(benchBefore);
        const bench = (own.user + own.system) / 1e6;
        const checksum = CHECKSUMMED.has(mode.name) && !result.skipped && !result.extrapolated ? await stagedChecksum(ctx.url) : undefined;
        const output: ModeOutput = {
          ...result,
          ...(checksum ? { checksum } : {}),
          seconds: Math.round(result.seconds * 1000) / 1000,
          load: [before, load()[0]!],
          peakRssMb: rss.nextWindow(),
        };
        if (result.skipped) {
          ctx.say(`${mode.name}: skipped (${result.skipped})`);
          best.set(mode.name, output);
          settled.add(mode.name);
          continue;
        }
        samples.get(mode.name)!.push(output.seconds);
        // CPU per row over the rows really processed (a subset for an extrapolated mode).
        const measured = result.extrapolated?.measuredRows ?? result.rows;
        if (server !== null && measured > 0)
          cpuSamples.get(mode.name)!.push({ seconds: server + bench, server, bench, background: reading!.background, rows: measured });
        ctx.say(
          `${mode.name}: ${output.seconds.toFixed(2)} s, ${output.rowsPerSec.toLocaleString('en-US')} rows/s${output.extrapolated ? ' (extrapolated)' : ''}`,
        );
        const previous = best.get(mode.name);
        if (!previous || output.seconds < previous.seconds) best.set(mode.name, output);
        if (mode.start === 'clean') staged = LEAVES_STAGED.has(mode.name) && !result.extrapolated;
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        ctx.say(`${mode.name}: FAILED: ${message}`);
        best.set(mode.name, { seconds: 0, rowsPerSec: 0, rows: 0, what: 'failed', skipped: `failed: ${message}`, load: [before, load()[0]!] });
        settled.add(mode.name);
        staged = false;
      }
    }
  }
  const out: Record<string, ModeOutput> = {};
  for (const mode of modes) {
    const kept = best.get(mode.name)!;
    const times = samples.get(mode.name)!;
    const withTimes = times.length > 1 && !kept.skipped ? { ...kept, samples: times } : kept;
    const cpuRounds = cpuSamples.get(mode.name)!;
    out[mode.name] = cpuRounds.length > 0 && !kept.skipped ? { ...withTimes, cpu: cpuFigures(cpuRounds) } : withTimes;
  }
  return out;
}
