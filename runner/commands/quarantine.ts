import type { Command } from 'commander';
import { makeContext, phasesOf, withDatabase, type GlobalFlags } from '../cli/context.js';
import { withClient } from '../db/database.js';
import { EXIT, showInput, UsageError } from '../errors.js';
import { listQuarantine, replayQuarantine } from '../run/quarantine.js';

const REASON = /^[a-z][a-z0-9_]{0,62}$/;
/** Most sample rows `quarantine list` prints. */
const MAX_LIMIT = 100_000;

function reasonOf(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!REASON.test(value)) throw new UsageError(`--reason takes a reason code such as invalid_odds, not ${showInput(value)}`);
  return value;
}

export function registerQuarantine(program: Command, setExit: (code: number) => void): void {
  const quarantine = program.command('quarantine').description('rows the phases rejected, by reason');
  quarantine
    .command('list')
    .description('count quarantined rows by reason and table, with sample rows')
    .option('--reason <code>', 'only this reason code')
    .option('--limit <n>', 'sample rows to show', '20')
    .option('--json', 'print as JSON on stdout')
    .action(async (opts: { reason?: string; limit: string; json?: boolean }) => {
      const ctx = makeContext(program.opts<GlobalFlags>());
      const reason = reasonOf(opts.reason);
      const limit = /^[0-9]{1,6}$/.test(opts.limit) ? Number(opts.limit) : Number.NaN;
      if (!(limit <= MAX_LIMIT)) throw new UsageError(`--limit must be a whole number from 0 to ${MAX_LIMIT}, not ${showInput(opts.limit)}`);
      const summary = await withDatabase(ctx, (db) =>
        withClient(db.url, 'pgphase quarantine', (c) => listQuarantine(c, { ...(reason ? { reason } : {}), limit })),
      );
      if (opts.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
      else {
        const lines = [`${summary.total} quarantined row(s)`];
        for (const g of summary.byReason) lines.push(`  ${String(g.rows).padStart(8)}  ${g.reason.padEnd(24)} ${g.table}`);
        if (summary.rows.length) lines.push('sample:');
        for (const r of summary.rows)
          lines.push(`  ${r.table}#${r.sourceId} ${r.reason}${r.sqlstate ? ` [${r.sqlstate}]` : ''}: ${(r.message ?? '').slice(0, 120)}`);
        process.stdout.write(`${lines.join('\n')}\n`);
      }
      setExit(EXIT.ok);
    });
  quarantine
    .command('replay')
    .description('run quarantined rows through their procedures again (after a fix)')
    .option('--reason <code>', 'only rows with this reason code')
    .option('--json', 'print the result as JSON on stdout')
    .action(async (opts: { reason?: string; json?: boolean }) => {
      const ctx = makeContext(program.opts<GlobalFlags>());
      const reason = reasonOf(opts.reason);
      const result = await withDatabase(ctx, (db) =>
        withClient(db.url, 'pgphase quarantine replay', (c) => replayQuarantine(c, { ...(reason ? { reason } : {}), phases: phasesOf(ctx.config) })),
      );
      if (opts.json) process.stdout.write(`${JSON.stringify(result)}\n`);
      else
        ctx.log.info(`replayed ${result.replayed} row(s): ${result.written} now written, ${result.stillQuarantined} still quarantined (run ${result.runId})`);
      setExit(EXIT.ok);
    });
}
