/**
 * One benchmark run: the bench database, the data, every selected mode over it, the scaling
 * series, and the result with its ratios, targets and the machine. Returns the result; the CLI
 * (main.ts) prints and stores it.
 */
import { configFromEnv, parseConfig } from '../runner/config.js';
import { openBenchDatabase } from './benchDb.js';
import { generateDataset } from './dataset.js';
import { runModes } from './harness.js';
import { describeMachine, load } from './machine.js';
import { modeByName } from './modes/index.js';
import type { BenchOptions } from './options.js';
import { checkTargets, computeRatios, cpuRatios, linearity, pairedRatios, stagedCheck } from './ratios.js';
import { openCpuMeter } from './cpu.js';
import { spread } from './cpuFigures.js';
import type { BenchResult } from './result.js';
import { lifetimePeakRssMb, RssSampler } from './rss.js';
import { runScale } from './scale.js';

/** Modes in which this process is the runner (the RSS target is about these). */
const RUNNER_MODES = new Set(['record', 'pgphase_1', 'pgphase_n', 'pgphase_1_nogate', 'pgphase_n_nogate', 'pgphase_n_shared', 'curated']);
const finite = (n: number) => (Number.isFinite(n) ? n : null);

export async function runBench(options: BenchOptions, command: string, say: (line: string) => void): Promise<BenchResult> {
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  const db = await openBenchDatabase(parseConfig(configFromEnv()), say);
  try {
    const machine = await describeMachine(db.url, db.server);
    say(`machine: ${machine.cpuModel}, ${machine.cores} cores, ${machine.ramGb} GB, load ${machine.loadAvg.join(' ')}; PostgreSQL ${machine.postgres.version}`);
    const gen = { seed: options.seed, badRatio: options.badRatio, say };
    const dataset = await generateDataset(db.url, options.rows, gen);
    const ctx = {
      url: db.url,
      rows: dataset.total,
      workers: options.workers,
      healthGate: options.healthGate,
      recordWorkers: options.recordWorkers,
      clientLoopRows: options.clientLoopRows,
      recordRows: options.recordRows,
      say,
    };
    const rss = new RssSampler();
    rss.start();
    const baselineRssMb = rss.nextWindow();
    const meter = await openCpuMeter(db.url);
    if ('unavailable' in meter) say(`CPU time: not measured (${meter.unavailable})`);
    else say(`CPU time: the server's processes (postmaster ${meter.meter.postmaster} and its children, from /proc) and this process`);
    const modes = await runModes(options.modes.map(modeByName), ctx, options.repeat, rss, 'meter' in meter ? meter.meter : null);
    const n = modes.pgphase_n;
    const regenerate = async (rows: number) => (await generateDataset(db.url, rows, gen)).total;
    const points = options.scale.length
      ? await runScale(options.scale, ctx, options.repeat, regenerate, n ? { requested: options.rows, result: n, load: n.load } : undefined)
      : undefined;
    const scalePeak = points ? rss.nextWindow() : 0;
    rss.stop();
    const ratios = computeRatios(modes);
    const paired = pairedRatios(modes);
    const scale = points ? { points, linearity: linearity(points) } : undefined;
    const runnerPeaks = Object.entries(modes)
      .filter(([name, m]) => RUNNER_MODES.has(name) && m.peakRssMb !== undefined)
      .map(([, m]) => m.peakRssMb!);
    const peakRssMb = Math.max(scalePeak, ...runnerPeaks, 0);
    say(
      `peak RSS: runner modes ${peakRssMb} MB, any mode ${rss.peakMb} MB, before the first mode ${baselineRssMb} MB, process lifetime ${lifetimePeakRssMb()} MB; load now ${load().join(' ')}`,
    );
    return {
      rows: dataset.total,
      modes,
      ratios,
      pairedRatios: paired,
      cpuRatios: cpuRatios(modes, 'unavailable' in meter ? meter.unavailable : null),
      spreads: Object.fromEntries(
        Object.entries(modes)
          .filter(([, m]) => !m.skipped)
          .map(([name, m]) => [name, { wall: spread(m.samples ?? [m.seconds]), cpu: m.cpu ? m.cpu.spread : null }]),
      ),
      peakRssMb,
      rss: { runnerModesMb: peakRssMb, anyModeMb: rss.peakMb, beforeModesMb: baselineRssMb, processLifetimeMb: lifetimePeakRssMb() },
      targets: checkTargets(ratios, peakRssMb, scale?.linearity ?? null, paired),
      stagedCheck: stagedCheck(modes),
      ...(scale ? { scale } : {}),
      settings: {
        seed: options.seed,
        badRatio: options.badRatio ?? null,
        workers: options.workers,
        recordWorkers: options.recordWorkers,
        clientLoopRows: finite(options.clientLoopRows),
        recordRows: finite(options.recordRows),
        repeat: options.repeat,
      },
      dataset: { rawRows: dataset.tables, generateSeconds: dataset.seconds },
      machine,
      command,
      startedAt,
      totalSeconds: Math.round((performance.now() - t0) / 10) / 100,
    };
  } finally {
    await db.close().catch(() => {});
  }
}
