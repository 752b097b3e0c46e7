import type { Command } from 'commander';
import { makeContext, withDatabase, type GlobalFlags } from '../cli/context.js';
import { EXIT, showInput, UsageError } from '../errors.js';
import { down, migrate } from '../migrate/migrate.js';

export function registerMigrate(program: Command, setExit: (code: number) => void): void {
  program
    .command('migrate')
    .description('apply pending versioned migrations, rebuild INVALID indexes they own, then re-apply changed procedures')
    .option('--json', 'print the result as JSON on stdout')
    .action(async (opts: { json?: boolean }) => {
      const ctx = makeContext(program.opts<GlobalFlags>());
      const result = await withDatabase(ctx, (db) => migrate({ url: db.url, config: ctx.config, log: ctx.log }));
      if (opts.json) process.stdout.write(`${JSON.stringify(result)}\n`);
      else {
        const parts = [
          result.applied.length ? `applied ${result.applied.length} migration(s): ${result.applied.join(', ')}` : 'no migrations to apply',
          result.procedures.length ? `${result.procedures.length} procedure(s) re-applied` : 'procedures up to date',
        ];
        if (result.repairedIndexes.length) parts.push(`rebuilt invalid index(es): ${result.repairedIndexes.join(', ')}`);
        ctx.log.info(parts.join('; '));
      }
      setExit(EXIT.ok);
    });

  program
    .command('down')
    .description('revert the last applied migration(s)')
    .option('--count <n>', 'how many migrations to revert', '1')
    .option('--all', 'revert every applied migration')
    .action(async (opts: { count: string; all?: boolean }) => {
      const ctx = makeContext(program.opts<GlobalFlags>());
      // Digits only, at least 1: node-pg-migrate reverts everything for a count of 0, and
      // Number() would read 'Infinity', '1e3' or ' 2 ' as counts too. --all is the only way to say all.
      const count = opts.all ? Number.POSITIVE_INFINITY : /^[0-9]{1,6}$/.test(opts.count) ? Number(opts.count) : 0;
      if (count < 1) throw new UsageError(`--count must be a whole number of at least 1 (or use --all), not ${showInput(opts.count)}`);
      const result = await withDatabase(ctx, (db) => down({ url: db.url, config: ctx.config, log: ctx.log, count }));
      ctx.log.info(result.reverted.length ? `reverted: ${result.reverted.join(', ')}` : 'nothing to revert');
      setExit(EXIT.ok);
    });
}
