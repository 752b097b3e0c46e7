import type { Command } from 'commander';
import { makeContext, withDatabase, type GlobalFlags } from '../cli/context.js';
import { withClient } from '../db/database.js';
import { setPause } from '../run/control.js';
import { resolveRun } from '../run/runLife.js';
import { operator } from './resume.js';

/** `pgphase pause [RUN]`: every runner process of the run holds before its next batch. */
export function registerPause(program: Command, _setExit: (code: number) => void): void {
  program
    .command('pause')
    .argument('[run]', 'run id (default: the newest unfinished run)')
    .description('pause a run from any host: every runner process holds before its next batch (pgphase resume continues it)')
    .option('--reason <text>', "why, shown by status and in the runners' logs")
    .action(async (arg: string | undefined, opts: { reason?: string }) => {
      const ctx = makeContext(program.opts<GlobalFlags>());
      const run = await withDatabase(ctx, (db) =>
        withClient(db.url, 'pgphase pause', async (c) => {
          const r = await resolveRun(c, arg);
          const reason = `paused by ${operator()}${opts.reason ? `: ${opts.reason.slice(0, 200)}` : ''} (pgphase resume ${r.id} to continue)`;
          await setPause(c, r.id, { paused: true, reason, by: operator() });
          return r;
        }),
      );
      process.stdout.write(
        `run ${run.id} paused; its runner processes hold before their next batch${run.live ? '' : ' (no runner process is working on it now)'}\n`,
      );
    });
}
