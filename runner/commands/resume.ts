import { hostname, userInfo } from 'node:os';
import type { Command } from 'commander';
import { makeContext, withDatabase, type GlobalFlags } from '../cli/context.js';
import { withClient } from '../db/database.js';
import { setPause } from '../run/control.js';
import { resolveRun } from '../run/runLife.js';

/** Who gives an operator command, for the ledger: user@host. */
export const operator = () => `${userInfo().username}@${hostname()}`;

/** `pgphase resume [RUN]`: lifts a pause; the runner processes go on within one health interval. */
export function registerResume(program: Command, _setExit: (code: number) => void): void {
  program
    .command('resume')
    .argument('[run]', 'run id (default: the newest unfinished run)')
    .description('resume a paused run: its runner processes go on with their next batch')
    .action(async (arg: string | undefined) => {
      const ctx = makeContext(program.opts<GlobalFlags>());
      const run = await withDatabase(ctx, (db) =>
        withClient(db.url, 'pgphase resume', async (c) => {
          const r = await resolveRun(c, arg);
          await setPause(c, r.id, { paused: false, by: operator() });
          return r;
        }),
      );
      const hint = run.live ? '' : `; no runner process is working on it: start one with \`pgphase run ${run.phases.join(' ')}\``;
      process.stdout.write(`run ${run.id} resumed${hint}\n`);
    });
}
