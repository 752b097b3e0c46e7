/**
 * `pgphase migrate` (apply, or with --dry-run / --check plan and lint only) and `pgphase down`.
 */
import { z } from 'zod';
import { withClient } from '../db/database.js';
import { EXIT, showInput } from '../errors.js';
import { down, type MigrateResult, migrate } from '../migrate/migrate.js';
import { formatPlan, type MigratePlan, planMigrate } from '../migrate/plan.js';
import { withDatabase } from '../session.js';
import { conflict, flag } from './flags.js';
import { type LintResult, lintFiles, renderFindings } from './lint.js';
import { defineCommand } from './spec.js';

const MIGRATION_NAME = /^[A-Za-z0-9_.-]{1,255}$/;

/** `--to`: a migration name, `.sql` optional. */
const target = z.string().transform((to, ctx) => {
  const name = to.replace(/\.sql$/, '');
  if (MIGRATION_NAME.test(name)) return name;
  ctx.addIssue({
    code: 'custom',
    message: `takes a migration name such as 0003_add_index, not ${showInput(to)}`,
    params: { hint: 'See `pgphase status` for the names.' },
  });
  return z.NEVER;
});

type MigrateOutcome = { readonly applied: MigrateResult } | { readonly plan: MigratePlan; readonly lint?: LintResult };

export const migrateCommand = defineCommand({
  name: 'migrate',
  description: 'apply pending versioned migrations, rebuild INVALID indexes they own, then re-apply changed procedures',
  options: [
    { flags: '--json', description: 'print the result (or the plan) as JSON on stdout' },
    { flags: '--to <name>', description: 'apply pending migrations up to and including this one' },
    { flags: '--dry-run', description: 'print what would run, in order, with the lock each statement takes; change nothing' },
    { flags: '--check', description: 'lint the pending migrations with squawk and apply nothing: exit 1 on a finding (for CI)' },
  ],
  input: z.object({ json: flag(), to: target.optional(), dryRun: flag(), check: flag() }),
  run: (session, input): Promise<MigrateOutcome> => {
    const to = input.to ? { to: input.to } : {};
    if (input.dryRun || input.check)
      return withDatabase(session, async (db) => {
        const plan = await withClient(db.url, 'pgphase migrate --dry-run', (c) => planMigrate(c, session.config, to));
        return { plan, ...(input.check ? { lint: lintFiles(session, plan.files) } : {}) };
      });
    return withDatabase(session, async (db) => ({ applied: await migrate({ url: db.url, config: session.config, log: session.log, ...to }) }));
  },
  render: (r, input) => {
    if ('plan' in r) {
      const lint = r.lint ? renderFindings(r.lint, input.json && !input.dryRun) : { exitCode: EXIT.ok };
      const { files: _files, ...shown } = r.plan;
      const plan = input.dryRun ? (input.json ? JSON.stringify(shown) : formatPlan(r.plan)) : undefined;
      return { stdout: [lint.stdout, plan].filter(Boolean).join('\n'), exitCode: lint.exitCode };
    }
    const result = r.applied;
    if (input.json) return { stdout: JSON.stringify(result), exitCode: EXIT.ok };
    const parts = [
      result.applied.length ? `applied ${result.applied.length} migration(s): ${result.applied.join(', ')}` : 'no migrations to apply',
      result.procedures.length ? `${result.procedures.length} procedure(s) re-applied` : 'procedures up to date',
    ];
    if (result.repairedIndexes.length) parts.push(`rebuilt invalid index(es): ${result.repairedIndexes.join(', ')}`);
    return { stdout: parts.join('; '), exitCode: EXIT.ok };
  },
});

/** `--count`: digits only, at least 1 (node-pg-migrate reverts everything for 0; --all says all). */
const count = z.string().transform((value, ctx) => {
  if (/^[0-9]{1,6}$/.test(value) && Number(value) >= 1) return Number(value);
  ctx.addIssue({
    code: 'custom',
    message: `must be a whole number of at least 1 (or use --all), not ${showInput(value)}`,
    params: { hint: 'For example: pgphase down --count 2, or pgphase down --to 0003_add_index' },
  });
  return z.NEVER;
});

export const downCommand = defineCommand({
  name: 'down',
  description: 'revert the last applied migration(s)',
  options: [
    { flags: '--count <n>', description: 'how many migrations to revert', default: '1' },
    { flags: '--all', description: 'revert every applied migration' },
    { flags: '--to <name>', description: 'revert every migration applied after this one (it stays applied)' },
  ],
  input: z
    .object({ count, all: flag(), to: target.optional() })
    .superRefine((o, ctx) => (o.to && o.all ? conflict(ctx, '--to and --all exclude each other', 'Use one of them.') : undefined)),
  run: (session, input) =>
    withDatabase(session, (db) =>
      down({
        url: db.url,
        config: session.config,
        log: session.log,
        count: input.all ? Number.POSITIVE_INFINITY : input.count,
        ...(input.to ? { to: input.to } : {}),
      }),
    ),
  render: (r) => ({ stdout: r.reverted.length ? `reverted: ${r.reverted.join(', ')}` : 'nothing to revert', exitCode: EXIT.ok }),
});
