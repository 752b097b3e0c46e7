import type { Command } from 'commander';
import { makeContext, withDatabase, type GlobalFlags } from '../cli/context.js';
import { rollback } from '../bluegreen/operations.js';
import { EXIT } from '../errors.js';
import { formatSwap } from './promote.js';

export function registerRollback(program: Command, setExit: (code: number) => void): void {
  program
    .command('rollback')
    .argument('<phase>', 'a blue-green phase')
    .description('bring the previous version of a blue-green phase back live (one short transaction); the version rolled back from is kept until prune')
    .option('--json', 'print the result as JSON on stdout')
    .action(async (phase: string, opts: { json?: boolean }) => {
      const ctx = makeContext(program.opts<GlobalFlags>());
      const r = await withDatabase(ctx, (db) => rollback({ url: db.url, config: ctx.config, phase, log: ctx.log }));
      process.stdout.write(opts.json ? `${JSON.stringify(r)}\n` : `${formatSwap('rolled back', r)}\n`);
      setExit(EXIT.ok);
    });
}
