import type { Command } from 'commander';
import { formatExtras } from './status.js';
import { type CommandContext, makeContext, phasesOf, withDatabase, type GlobalFlags } from '../cli/context.js';
import { EXIT, showInput, UsageError } from '../errors.js';
import type { Phase } from '../phases.js';
import type { RunReport } from '../run/report.js';
import { runPipeline } from '../run/runPipeline.js';
import { addProductionFlags, parseProductionFlags } from './runFlags.js';
import { EXIT_CODES, onGracefulStop, type StopSignal } from '../cli/signals.js';
import { RUN_DEFAULTS } from '../run/runDefaults.js';
import { promote } from '../bluegreen/operations.js';
import type { SwapResult } from '../bluegreen/swap.js';
import { describeFailures } from '../bluegreen/verify.js';
import { formatSwap } from './promote.js';

/** `run --promote`: promotes each verified build of the run, as `pgphase promote` would. */
async function promoteBuilds(ctx: CommandContext, url: string, report: RunReport): Promise<SwapResult[]> {
  const out: SwapResult[] = [];
  for (const build of report.builds ?? []) {
    if (build.state !== 'verified') continue;
    out.push(await promote({ url, config: ctx.config, phase: build.phase, log: ctx.log }));
  }
  return out;
}

/** Upper bounds of the numeric flags: beyond them a value is a typo or an attack, not a setting. */
const MAX_WORKERS = 1_024;
const MAX_KEYS = 2_147_483_647;
const MAX_TARGET_MS = 3_600_000;

/** A flag's value as a whole number in [min, max]: ASCII digits only (no sign, exponent, hex or spaces). */
function whole(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = /^[0-9]{1,10}$/.test(value) ? Number(value) : Number.NaN;
  if (!(n >= min && n <= max))
    throw new UsageError(
      `${name} must be a whole number from ${min} to ${max}, not ${showInput(value)}`,
      `For example ${name} ${Math.max(min, Math.min(max, 4))}; see \`pgphase run --help\`.`,
    );
  return n;
}

/** Phase names are checked before any connection: an unknown or malformed one is a usage error. */
function checkPhaseNames(names: readonly string[], phases: readonly Phase[]): void {
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

export function formatReport(r: RunReport): string {
  const lines = [`run ${r.runId}: ${r.status}${r.resumed ? ' (resumed)' : ''}, ${r.workers} worker(s), ${(r.durationMs / 1000).toFixed(1)} s`];
  for (const p of r.phases) {
    const rate = p.rowsIn ? ((p.written / p.rowsIn) * 100).toFixed(1) : '0.0';
    lines.push(
      `  ${p.phase.padEnd(8)} ${p.rowsIn} rows in, ${p.written} written (${rate}%), ${p.rejected} rejected${formatExtras(p.extras)}; ` +
        `${p.partitions.done}/${p.partitions.total} partitions${p.partitions.failed ? `, ${p.partitions.failed} FAILED` : ''}; ` +
        `${p.rowsPerSec} rows/s; batch p50 ${p.batchMs.p50 ?? '-'} ms, p95 ${p.batchMs.p95 ?? '-'} ms; ${p.retries} retries`,
    );
  }
  for (const f of r.failedPartitions) lines.push(`  FAILED partition ${f.id} of ${f.table} [${f.lo}..${f.hi}]: ${f.sqlstate} ${f.error}`);
  if (r.blockedSteps.length) lines.push(`  not run (waiting on failed work): ${r.blockedSteps.join(', ')}`);
  for (const b of r.builds ?? []) {
    lines.push(
      `  ${b.phase.padEnd(8)} blue-green build in ${b.schema}: ${b.state}${b.state === 'verified' ? ` (${b.checks.length} checks passed; live unchanged until promote)` : ''}`,
    );
    for (const line of describeFailures(b.checks as never)) lines.push(`    ${line}`);
  }
  const throttled = Object.entries(r.throttledSeconds ?? {});
  if (throttled.length) lines.push(`  throttled: ${throttled.map(([reason, s]) => `${reason} ${s} s`).join(', ')}`);
  lines.push(`  peak RSS ${r.peakRssMb} MB, pool high-water ${r.poolHighWater} connections`);
  return lines.join('\n');
}

export function registerRun(program: Command, setExit: (code: number) => void): void {
  addProductionFlags(program.command('run'))
    .argument('[phases...]', 'phases to run (default: all, in dependency order)')
    .description('run data phases over key ranges in parallel; resumes the unfinished run unless --new')
    .option('--workers <n>', "parallel workers (default: this machine's cores, within the server's free connections)")
    .option('--new', 'start a new run instead of resuming the unfinished one (refused beside an unfinished run unless --abandon)')
    .option('--abandon', 'with --new: abandon the unfinished runs (recorded in the ledger) instead of refusing')
    .option('--json', 'print the final report as JSON on stdout')
    .option('--batch-min <n>', `smallest batch, in rows (default ${RUN_DEFAULTS.batch.min}, or runner.batchMin in the config file)`)
    .option('--batch-max <n>', `largest batch, in rows (default ${RUN_DEFAULTS.batch.max}, or runner.batchMax)`)
    .option('--batch-initial <n>', `first batch, in rows (default ${RUN_DEFAULTS.batch.initial}, or runner.batchInitial)`)
    .option('--target-ms <n>', `target duration of one batch, in ms (default ${RUN_DEFAULTS.batch.targetMs}, or runner.targetMs)`)
    .option('--per-record', "force the procedures' per-record (savepoint) path, for measurement")
    .option('--promote', "promote each blue-green phase's build once it passes its checks")
    .option('--in-place', 'write blue-green phases straight into their live tables (no shadow build, nothing to roll back to)')
    .option('--metrics-port <port>', 'serve Prometheus metrics at http://HOST:PORT/metrics while the run lasts')
    .option('--metrics-host <address>', 'address to serve metrics on', '127.0.0.1')
    .option('--metrics-linger <seconds>', 'keep serving the final metrics this long after the run ends', '0')
    .action(async (phases: string[], opts: Record<string, string | boolean | undefined>) => {
      const ctx = makeContext(program.opts<GlobalFlags>());
      const phaseList = phasesOf(ctx.config);
      checkPhaseNames(phases, phaseList);
      const defaults = ctx.config.runner;
      const workers = whole('--workers', opts.workers as string | undefined, 1, MAX_WORKERS) ?? defaults.workers;
      const min = whole('--batch-min', opts.batchMin as string | undefined, 1, MAX_KEYS) ?? defaults.batchMin;
      const max = whole('--batch-max', opts.batchMax as string | undefined, 1, MAX_KEYS) ?? defaults.batchMax;
      const initial = whole('--batch-initial', opts.batchInitial as string | undefined, 1, MAX_KEYS) ?? defaults.batchInitial;
      const targetMs = whole('--target-ms', opts.targetMs as string | undefined, 1, MAX_TARGET_MS) ?? defaults.targetMs;
      const metricsPort = whole('--metrics-port', opts.metricsPort as string | undefined, 1, 65_535);
      const metricsLinger = whole('--metrics-linger', opts.metricsLinger as string, 0, 86_400)!;
      if (max < min) throw new UsageError(`--batch-max (${max}) is below --batch-min (${min})`);
      if (opts.promote && opts.inPlace) throw new UsageError('--promote and --in-place exclude each other');
      const production = parseProductionFlags(opts);
      const abort = new AbortController();
      let stopSignal: StopSignal = 'SIGINT';
      const unregister = onGracefulStop((signal) => {
        stopSignal = signal;
        ctx.log.warn('stopping after the current batches; run `pgphase run` again to resume');
        abort.abort();
      });
      try {
        const { report, promoted } = await withDatabase(ctx, async (db) => {
          const report = await runPipeline({
            url: db.url,
            phases,
            phaseList,
            workers,
            fresh: Boolean(opts.new),
            abandon: Boolean(opts.abandon),
            batch: { min, max, initial: Math.min(max, initial), targetMs },
            forcePerRecord: Boolean(opts.perRecord),
            inPlace: Boolean(opts.inPlace),
            health: production.health,
            budget: production.budget,
            ...(production.maxWorkers ? { maxWorkers: production.maxWorkers } : {}),
            progress: opts.json ? (process.stderr.isTTY ? 'bar' : 'none') : process.stderr.isTTY ? 'bar' : 'log',
            log: ctx.log,
            signal: abort.signal,
            metricsPort,
            metricsHost: opts.metricsHost as string,
            metricsLingerMs: metricsLinger * 1000,
          });
          const promoted = opts.promote && report.status === 'done' && !abort.signal.aborted ? await promoteBuilds(ctx, db.url, report) : [];
          return { report, promoted };
        });
        if (opts.json) process.stdout.write(`${JSON.stringify({ ...report, promoted })}\n`);
        else process.stderr.write(`${[formatReport(report), ...promoted.map((r) => `  ${formatSwap('promoted', r)}`)].join('\n')}\n`);
        if (report.stoppedBy) {
          process.stderr.write(`error: run ${report.runId} stopped: ${report.stoppedBy}\n`);
          process.stderr.write(`hint: nothing is lost; fix the cause (or raise the limit), then resume with \`pgphase run\` and the same phases\n`);
        }
        setExit(abort.signal.aborted ? EXIT_CODES[stopSignal] : report.status === 'done' ? EXIT.ok : EXIT.failed);
      } finally {
        unregister();
      }
    });
}
