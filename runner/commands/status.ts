import type { Command } from 'commander';
import { makeContext, withDatabase, type GlobalFlags } from '../cli/context.js';
import { EXIT } from '../errors.js';
import { type MigrationStatus, status } from '../migrate/status.js';

export function formatStatus(s: MigrationStatus): string {
  const lines = [`migrations: ${s.applied.length} applied, ${s.pending.length} pending`];
  for (const name of s.pending) lines.push(`  pending   ${name}`);
  for (const name of s.changed) lines.push(`  CHANGED   ${name} (edited after it was applied; migrate will refuse it)`);
  for (const name of s.missing) lines.push(`  MISSING   ${name} (applied, but its file is gone)`);
  lines.push(`procedures: ${s.procedures.pending.length} changed since applied`);
  for (const file of s.procedures.pending) lines.push(`  changed   ${file}`);
  for (const file of s.procedures.orphaned) lines.push(`  orphaned  ${file} (applied, file removed; the object is still in the database)`);
  lines.push(`invalid indexes: ${s.invalidIndexes.length}`);
  for (const ix of s.invalidIndexes) lines.push(`  INVALID   ${ix.schema}.${ix.name} on ${ix.table}${ix.migration ? ` (from ${ix.migration}; migrate rebuilds it)` : ' (not built by a migration)'}`);
  lines.push(s.ok ? 'status: ok' : 'status: action needed');
  return lines.join('\n');
}

export function registerStatus(program: Command, setExit: (code: number) => void): void {
  program
    .command('status')
    .description('applied and pending migrations, changed procedures, invalid indexes (exit 1 when anything is pending or broken)')
    .option('--json', 'print the status as JSON on stdout')
    .action(async (opts: { json?: boolean }) => {
      const ctx = makeContext(program.opts<GlobalFlags>());
      const s = await withDatabase(ctx, (db) => status(db.url, ctx.config));
      process.stdout.write(opts.json ? `${JSON.stringify(s)}\n` : `${formatStatus(s)}\n`);
      setExit(s.ok ? EXIT.ok : EXIT.failed);
    });
}
