import type { Command } from 'commander';
import { formatExtras } from './status.js';
import { makeContext, phasesOf, withDatabase, type GlobalFlags } from '../cli/context.js';
import { EXIT, showInput, UsageError } from '../errors.js';
import type { Phase } from '../phases.js';
import type { RunReport } from '../run/report.js';
import { runPipeline } from '../run/runPipeline.js';
import { RUN_DEFAULTS } from '../run/runDefaults.js';

/** Upper bounds of the numeric flags: beyond them a value is a typo or an attack, not a setting. */
const MAX_WORKERS = 1_024;
const MAX_KEYS = 2_147_483_647;
const MAX_TARGET_MS = 3_600_000;

/** A flag's value as a whole number in [min, max]: ASCII digits only (no sign, exponent, hex or spaces). */
function whole(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = /^[0-9]{1,10}$/.test(value) ? Number(value) : Number.NaN;
  if (!(n >= min && n <= max)) throw new UsageError(`${name} must be a whole number from ${min} to ${max}, not ${showInput(value)}`, `For example ${name} ${Math.max(min, Math.min(max, 4))}; see \`pgphase run --help\`.`);
  return n;
}

/** Phase names are checked before any connection: an unknown or malformed one is a usage error. */
function checkPhaseNames(names: readonly string[], phases: readonly Phase[]): void {
  const known = phases.map((p) => p.name);
  const bad = names.filter((n) => !known.includes(n));
  if (bad.length > 0) {
    throw new UsageError(`unknown phase ${bad.slice(0, 3).map((n) => showInput(n)).join(', ')}${bad.length > 3 ? ` and ${bad.length - 3} more` : ''}; known phases: ${known.join(', ')}`);
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
  lines.push(`  peak RSS ${r.peakRssMb} MB, pool high-water ${r.poolHighWater} connections`);
  return lines.join('\n');
}

export function registerRun(program: Command, setExit: (code: number) => void): void {
  program
    .command('run')
    .argument('[phases...]', 'phases to run (default: all, in dependency order)')
    .description('run data phases over key ranges in parallel; resumes the unfinished run unless --new')
    .option('--workers <n>', 'parallel workers (default: this machine\'s cores, within the server\'s free connections)')
    .option('--new', 'start a new run instead of resuming the unfinished one')
    .option('--json', 'print the final report as JSON on stdout')
    .option('--batch-min <n>', `smallest batch, in rows (default ${RUN_DEFAULTS.batch.min}, or runner.batchMin in the config file)`)
    .option('--batch-max <n>', `largest batch, in rows (default ${RUN_DEFAULTS.batch.max}, or runner.batchMax)`)
    .option('--batch-initial <n>', `first batch, in rows (default ${RUN_DEFAULTS.batch.initial}, or runner.batchInitial)`)
    .option('--target-ms <n>', `target duration of one batch, in ms (default ${RUN_DEFAULTS.batch.targetMs}, or runner.targetMs)`)
    .option('--per-record', 'force the procedures\' per-record (savepoint) path, for measurement')
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
      if (max < min) throw new UsageError(`--batch-max (${max}) is below --batch-min (${min})`);
      const abort = new AbortController();
      const onSignal = () => {
        ctx.log.warn('stopping after the current batches; run `pgphase run` again to resume');
        abort.abort();
      };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        const report = await withDatabase(ctx, (db) =>
          runPipeline({
            url: db.url,
            phases,
            phaseList,
            workers,
            fresh: Boolean(opts.new),
            batch: { min, max, initial: Math.min(max, Math.max(min, initial)), targetMs },
            forcePerRecord: Boolean(opts.perRecord),
            progress: opts.json ? (process.stderr.isTTY ? 'bar' : 'none') : process.stderr.isTTY ? 'bar' : 'log',
            log: ctx.log,
            signal: abort.signal,
          }),
        );
        if (opts.json) process.stdout.write(`${JSON.stringify(report)}\n`);
        else process.stderr.write(`${formatReport(report)}\n`);
        setExit(abort.signal.aborted ? 130 : report.status === 'done' ? EXIT.ok : EXIT.failed);
      } finally {
        process.removeListener('SIGINT', onSignal);
        process.removeListener('SIGTERM', onSignal);
      }
    });
}
