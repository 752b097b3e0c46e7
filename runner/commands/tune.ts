import type { Command } from 'commander';
import { makeContext, withDatabase, type GlobalFlags } from '../cli/context.js';
import { withClient } from '../db/database.js';
import { UsageError } from '../errors.js';
import { setTuning, type Tuning } from '../run/control.js';
import { resolveRun } from '../run/runLife.js';
import { operator } from './resume.js';

function whole(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = /^[0-9]{1,10}$/.test(value) ? Number(value) : Number.NaN;
  if (!(n >= min && n <= max)) throw new UsageError(`${name} must be a whole number from ${min} to ${max}, not ${JSON.stringify(value.slice(0, 40))}`);
  return n;
}

/** `pgphase tune [RUN] --workers N --batch-max N --target-ms N --max-lag MS`, from any host. */
export function registerTune(program: Command, _setExit: (code: number) => void): void {
  program
    .command('tune')
    .argument('[run]', 'run id (default: the newest unfinished run)')
    .description("change a running run's limits from any host; every runner process applies them before its next batch")
    .option('--workers <n>', 'workers per runner process (beyond it, workers finish their batch and leave; a process grows up to its --max-workers)')
    .option('--batch-max <n>', 'largest batch, in keys')
    .option('--target-ms <n>', 'target duration of one batch')
    .option('--max-lag <ms>', 'replica lag above which the run throttles')
    .action(async (arg: string | undefined, opts: Record<string, string | undefined>) => {
      const t: Tuning = {
        ...(opts.workers !== undefined ? { workers: whole('--workers', opts.workers, 1, 1_024)! } : {}),
        ...(opts.batchMax !== undefined ? { batchMax: whole('--batch-max', opts.batchMax, 1, 2_147_483_647)! } : {}),
        ...(opts.targetMs !== undefined ? { targetMs: whole('--target-ms', opts.targetMs, 1, 3_600_000)! } : {}),
        ...(opts.maxLag !== undefined ? { maxLagMs: whole('--max-lag', opts.maxLag, 0, 604_800_000)! } : {}),
      };
      if (Object.keys(t).length === 0) throw new UsageError('tune needs at least one of --workers, --batch-max, --target-ms, --max-lag');
      const ctx = makeContext(program.opts<GlobalFlags>());
      const run = await withDatabase(ctx, (db) =>
        withClient(db.url, 'pgphase tune', async (c) => {
          const r = await resolveRun(c, arg);
          await setTuning(c, r.id, t, operator());
          return r;
        }),
      );
      process.stdout.write(
        `run ${run.id} tuned: ${Object.entries(t)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}\n`,
      );
    });
}
