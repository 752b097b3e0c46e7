import type { Command } from 'commander';
import { makeContext, withDatabase, type GlobalFlags } from '../cli/context.js';
import { pruneVersions } from '../bluegreen/operations.js';
import { EXIT } from '../errors.js';

export function registerPrune(program: Command, setExit: (code: number) => void): void {
  program
    .command('prune')
    .argument('<phase>', 'a blue-green phase')
    .description('drop the previous (and older parked) versions of a blue-green phase; rollback then has nothing to go back to')
    .option('--json', 'print the result as JSON on stdout')
    .action(async (phase: string, opts: { json?: boolean }) => {
      const ctx = makeContext(program.opts<GlobalFlags>());
      const r = await withDatabase(ctx, (db) => pruneVersions({ url: db.url, config: ctx.config, phase, log: ctx.log }));
      const what = r.dropped.map((d) => `${d.runId === null ? 'the initial tables' : `run ${d.runId}`} (${d.schema})`);
      process.stdout.write(opts.json ? `${JSON.stringify(r)}\n` : `pruned ${phase}: ${what.length ? `dropped ${what.join(', ')}` : 'nothing to drop'}\n`);
      setExit(EXIT.ok);
    });
}
