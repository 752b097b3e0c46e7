/**
 * `pgphase doctor`: the preflight a DBA runs before a deploy. Reads (never changes) the server
 * and the project, prints one line per check (ok, warn, fail) with its fix; exit 0 when nothing
 * fails, 1 otherwise. `--json` prints { ok, checks } on stdout.
 */
import type { Command } from 'commander';
import { makeContext, withDatabase, type GlobalFlags } from '../cli/context.js';
import { withClient } from '../db/database.js';
import { gatherFacts } from '../doctor/gather.js';
import { type Check, diagnose } from '../doctor/judge.js';
import { EXIT, showInput, UsageError } from '../errors.js';

export function formatChecks(checks: readonly Check[]): string {
  const lines: string[] = [];
  for (const c of checks) {
    lines.push(`${c.level.padEnd(4)}  ${c.name}: ${c.message}`);
    if (c.fix) lines.push(`      fix: ${c.fix}`);
    for (const s of c.statements ?? []) lines.push(`        ${s}`);
  }
  return lines.join('\n');
}

export function registerDoctor(program: Command, setExit: (code: number) => void): void {
  program
    .command('doctor')
    .description(
      'preflight before a deploy: server version, privileges, connection budget, timeouts, pending work, invalid indexes (exit 1 when a check fails)',
    )
    .option('--json', 'print { ok, checks } as JSON on stdout')
    .option('--workers <n>', 'the workers pgphase run will start (default: its own default)')
    .action(async (opts: { json?: boolean; workers?: string }) => {
      const ctx = makeContext(program.opts<GlobalFlags>());
      const workers = opts.workers === undefined ? undefined : /^[0-9]{1,4}$/.test(opts.workers) && Number(opts.workers) >= 1 ? Number(opts.workers) : NaN;
      if (Number.isNaN(workers)) throw new UsageError(`--workers must be a whole number of at least 1, not ${showInput(opts.workers!)}`);
      const result = await withDatabase(ctx, (db) => withClient(db.url, 'pgphase doctor', async (c) => diagnose(await gatherFacts(c, ctx.config, workers))));
      process.stdout.write(
        opts.json ? `${JSON.stringify(result)}\n` : `${formatChecks(result.checks)}\ndoctor: ${result.ok ? 'nothing fails' : 'something fails'}\n`,
      );
      setExit(result.ok ? EXIT.ok : EXIT.failed);
    });
}
