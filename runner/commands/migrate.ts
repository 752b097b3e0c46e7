import type { Command } from 'commander';
import { makeContext, withDatabase, type GlobalFlags } from '../cli/context.js';
import { withClient } from '../db/database.js';
import { EXIT, showInput, UsageError } from '../errors.js';
import { down, migrate } from '../migrate/migrate.js';
import { formatPlan, planMigrate } from '../migrate/plan.js';
import { lintFiles, reportFindings } from './lint.js';

const MIGRATION_NAME = /^[A-Za-z0-9_.-]{1,255}$/;

function targetOf(to: string | undefined): string | undefined {
  if (to === undefined) return undefined;
  const name = to.replace(/\.sql$/, '');
  if (!MIGRATION_NAME.test(name))
    throw new UsageError(`--to takes a migration name such as 0003_add_index, not ${showInput(to)}`, 'See `pgphase status` for the names.');
  return name;
}

export function registerMigrate(program: Command, setExit: (code: number) => void): void {
  program
    .command('migrate')
    .description('apply pending versioned migrations, rebuild INVALID indexes they own, then re-apply changed procedures')
    .option('--json', 'print the result (or the plan) as JSON on stdout')
    .option('--to <name>', 'apply pending migrations up to and including this one')
    .option('--dry-run', 'print what would run, in order, with the lock each statement takes; change nothing')
    .option('--check', 'lint the pending migrations with squawk and apply nothing: exit 1 on a finding (for CI)')
    .action(async (opts: { json?: boolean; to?: string; dryRun?: boolean; check?: boolean }) => {
      const ctx = makeContext(program.opts<GlobalFlags>());
      const to = targetOf(opts.to);
      if (opts.dryRun || opts.check) {
        const plan = await withDatabase(ctx, (db) => withClient(db.url, 'pgphase migrate --dry-run', (c) => planMigrate(c, ctx.config, to ? { to } : {})));
        let code: number = EXIT.ok;
        if (opts.check) code = reportFindings(lintFiles(ctx, plan.files), plan.files.length, opts.json && !opts.dryRun);
        if (opts.dryRun) {
          const { files: _files, ...shown } = plan;
          process.stdout.write(opts.json ? `${JSON.stringify(shown)}\n` : `${formatPlan(plan)}\n`);
        }
        setExit(code);
        return;
      }
      const result = await withDatabase(ctx, (db) => migrate({ url: db.url, config: ctx.config, log: ctx.log, ...(to ? { to } : {}) }));
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
    .option('--to <name>', 'revert every migration applied after this one (it stays applied)')
    .action(async (opts: { count: string; all?: boolean; to?: string }) => {
      const ctx = makeContext(program.opts<GlobalFlags>());
      const to = targetOf(opts.to);
      // Digits only, at least 1: node-pg-migrate reverts everything for a count of 0, and
      // Number() would read 'Infinity', '1e3' or ' 2 ' as counts too. --all is the only way to say all.
      const count = opts.all ? Number.POSITIVE_INFINITY : /^[0-9]{1,6}$/.test(opts.count) ? Number(opts.count) : 0;
      if (count < 1)
        throw new UsageError(
          `--count must be a whole number of at least 1 (or use --all), not ${showInput(opts.count)}`,
          'For example: pgphase down --count 2, or pgphase down --to 0003_add_index',
        );
      if (to && opts.all) throw new UsageError('--to and --all exclude each other', 'Use one of them.');
      const result = await withDatabase(ctx, (db) => down({ url: db.url, config: ctx.config, log: ctx.log, count, ...(to ? { to } : {}) }));
      ctx.log.info(result.reverted.length ? `reverted: ${result.reverted.join(', ')}` : 'nothing to revert');
      setExit(EXIT.ok);
    });
}
