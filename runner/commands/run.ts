/**
 * `pgphase run [phases...]`: the data phases over key ranges in parallel, resumable. Flags are
 * checked before any connection; `--promote` exposes each verified blue-green build at the end.
 */
import { z } from 'zod';
import { promote } from '../bluegreen/operations.js';
import type { SwapResult } from '../bluegreen/swap.js';
import { EXIT, showInput, UsageError } from '../errors.js';
import type { Phase } from '../phases.js';
import type { RunReport } from '../run/report.js';
import { RUN_DEFAULTS } from '../run/runDefaults.js';
import { runPipeline } from '../run/runPipeline.js';
import { type Session, withDatabase } from '../session.js';
import { formatSwap } from './blueGreen.js';
import { conflict, flag, whole } from './flags.js';
import { formatReport } from './formatReport.js';
import { PRODUCTION_FLAGS, PRODUCTION_OPTIONS, productionSettings } from './runFlags.js';
import { defineCommand } from './spec.js';

/** Upper bounds of the numeric flags: beyond them a value is a typo or an attack, not a setting. */
const MAX_KEYS = 2_147_483_647;

const input = z
  .object({
    phases: z.array(z.string()).default([]),
    workers: whole(1, 1_024).optional(),
    new: flag(),
    abandon: flag(),
    json: flag(),
    batchMin: whole(1, MAX_KEYS).optional(),
    batchMax: whole(1, MAX_KEYS).optional(),
    batchInitial: whole(1, MAX_KEYS).optional(),
    targetMs: whole(1, 3_600_000).optional(),
    perRecord: flag(),
    full: flag(),
    incremental: flag(),
    split: z.boolean(),
    promote: flag(),
    inPlace: flag(),
    metricsPort: whole(1, 65_535).optional(),
    metricsHost: z.string(),
    metricsLinger: whole(0, 86_400),
    ...PRODUCTION_FLAGS,
  })
  .superRefine((o, ctx) => {
    if (o.promote && o.inPlace) conflict(ctx, '--promote and --in-place exclude each other');
    if (o.full && o.incremental) conflict(ctx, '--full and --incremental exclude each other');
  });
export type RunInput = z.output<typeof input>;

export interface RunResult {
  readonly report: RunReport;
  readonly promoted: SwapResult[];
}

/** Phase names are checked before any connection: none configured, or an unknown one, is a usage error. */
export function checkPhaseNames(names: readonly string[], phases: readonly Phase[]): void {
  if (phases.length === 0)
    throw new UsageError(
      'no phases: set "phases" in pgphase.config.json (or PGPHASE_PHASES) to a phases file',
      'Scaffold a phase with `pgphase new phase <name> --source <schema.table> --target <schema.table>`.',
    );
  const known = phases.map((p) => p.name);
  const bad = names.filter((n) => !known.includes(n));
  if (bad.length > 0) {
    throw new UsageError(
      `unknown phase ${bad
        .slice(0, 3)
        .map((n) => showInput(n))
        .join(', ')}${bad.length > 3 ? ` and ${bad.length - 3} more` : ''}; known phases: ${known.join(', ')}`,
    );
  }
}

/** Runs the phases; with `--promote`, promotes each verified build of the run as `pgphase promote` would. */
export async function run(session: Session, o: RunInput, signal: AbortSignal): Promise<RunResult> {
  checkPhaseNames(o.phases, session.phases);
  const defaults = session.config.runner;
  const min = o.batchMin ?? defaults.batchMin;
  const max = o.batchMax ?? defaults.batchMax;
  if (max < min) throw new UsageError(`--batch-max (${max}) is below --batch-min (${min})`);
  const initial = o.batchInitial ?? defaults.batchInitial;
  const production = productionSettings(o, session.config.health);
  return withDatabase(session, async (db) => {
    const report = await runPipeline({
      url: db.url,
      phases: o.phases,
      phaseList: session.phases,
      workers: o.workers ?? defaults.workers,
      fresh: Boolean(o.new),
      abandon: Boolean(o.abandon),
      batch: { min, max, initial: Math.min(max, initial), targetMs: o.targetMs ?? defaults.targetMs },
      forcePerRecord: Boolean(o.perRecord),
      leaseMs: defaults.leaseMs,
      split: o.split,
      incremental: o.full ? 'none' : o.incremental ? 'all' : 'declared',
      inPlace: Boolean(o.inPlace),
      health: production.health,
      budget: production.budget,
      ...(production.maxWorkers ? { maxWorkers: production.maxWorkers } : {}),
      progress: session.interactive ? 'bar' : o.json ? 'none' : 'log',
      log: session.log,
      signal,
      metricsPort: o.metricsPort,
      metricsHost: o.metricsHost,
      metricsLingerMs: o.metricsLinger * 1000,
    });
    const promoted: SwapResult[] = [];
    if (o.promote && report.status === 'done' && !signal.aborted)
      for (const build of report.builds ?? [])
        if (build.state === 'verified')
          promoted.push(await promote({ url: db.url, config: session.config, phase: build.phase, log: session.log, phaseList: session.phases }));
    return { report, promoted };
  });
}

export const runCommand = defineCommand({
  name: 'run',
  description: 'run data phases over key ranges in parallel; resumes the unfinished run unless --new',
  graceful: true,
  args: [{ name: '[phases...]', description: 'phases to run (default: all, in dependency order)' }],
  options: [
    ...PRODUCTION_OPTIONS,
    { flags: '--workers <n>', description: "parallel workers (default: this machine's cores, within the server's free connections)" },
    { flags: '--new', description: 'start a new run instead of resuming the unfinished one (refused beside an unfinished run unless --abandon)' },
    { flags: '--abandon', description: 'with --new: abandon the unfinished runs (recorded in the ledger) instead of refusing' },
    { flags: '--json', description: 'print the final report as JSON on stdout' },
    { flags: '--batch-min <n>', description: `smallest batch, in rows (default ${RUN_DEFAULTS.batch.min}, or runner.batchMin in the config file)` },
    { flags: '--batch-max <n>', description: `largest batch, in rows (default ${RUN_DEFAULTS.batch.max}, or runner.batchMax)` },
    { flags: '--batch-initial <n>', description: `first batch, in rows (default ${RUN_DEFAULTS.batch.initial}, or runner.batchInitial)` },
    { flags: '--target-ms <n>', description: `target duration of one batch, in ms (default ${RUN_DEFAULTS.batch.targetMs}, or runner.targetMs)` },
    { flags: '--full', description: "a new run goes over every step's whole source, incremental steps too" },
    {
      flags: '--incremental',
      description: "a new run goes over the keys each step's source gained since it last finished (an append-only source), whatever the steps declare",
    },
    { flags: '--no-split', description: 'never split a running partition for a worker that has nothing left to claim (work stealing at the end of a step)' },
    { flags: '--per-record', description: "force the procedures' per-record (savepoint) path, for measurement" },
    { flags: '--promote', description: "promote each blue-green phase's build once it passes its checks" },
    { flags: '--in-place', description: 'write blue-green phases straight into their live tables (no shadow build, nothing to roll back to)' },
    { flags: '--metrics-port <port>', description: 'serve Prometheus metrics at http://HOST:PORT/metrics while the run lasts' },
    { flags: '--metrics-host <address>', description: 'address to serve metrics on', default: '127.0.0.1' },
    { flags: '--metrics-linger <seconds>', description: 'keep serving the final metrics this long after the run ends', default: '0' },
  ],
  input,
  run,
  render: ({ report, promoted }, o) => {
    const stopped = report.stoppedBy
      ? [
          `error: run ${report.runId} stopped: ${report.stoppedBy}`,
          'hint: nothing is lost; fix the cause (or raise the limit), then resume with `pgphase run` and the same phases',
        ]
      : [];
    const summary = o.json ? [] : [formatReport(report), ...promoted.map((r) => `  ${formatSwap('promoted', r)}`)];
    // The result on stdout (the report, or its JSON); why it stopped, on stderr.
    return {
      stdout: o.json ? JSON.stringify({ ...report, promoted }) : summary.join('\n'),
      ...(stopped.length ? { stderr: stopped.join('\n') } : {}),
      exitCode: report.status === 'done' ? EXIT.ok : EXIT.failed,
    };
  },
});
