/**
 * What `migrate` would do, computed from the files and the bookkeeping, changing nothing (no
 * lock, no table: node-pg-migrate's own dry run creates its table, so it is not used): pgphase's
 * own schema files to install, INVALID indexes to rebuild, pending migrations in order with each
 * statement's lock, and the procedures that would be (re-)applied, with why.
 */
import type pg from 'pg';
import type { Config } from '../config.js';
import { pendingFrameworkFiles } from '../framework/install.js';
import { findInvalidIndexes } from './invalidIndexes.js';
import { appliedMigrations, appliedProcedures, metaExists } from './meta.js';
import type { MigrationFile } from './migrationFile.js';
import { describeSqlError, readProcedures } from './procedures.js';
import { MigrationError } from '../errors.js';
import { reapplyReason } from './reapply.js';
import { readMigrationsFrom } from './readMigrationsFrom.js';
import { type StatementLock, statementLocks } from './statementLocks.js';
import { pendingThrough } from './target.js';

export interface PlannedMigration {
  readonly name: string;
  readonly path: string;
  readonly transaction: boolean;
  /** The Up section as it would be sent. */
  readonly sql: string;
  readonly statements: StatementLock[];
}

export interface MigratePlan {
  readonly framework: string[];
  readonly invalidIndexes: { readonly index: string; readonly migration: string; readonly lock: string }[];
  readonly migrations: PlannedMigration[];
  readonly procedures: { readonly file: string; readonly reason: string }[];
  /** The migration files themselves (for `--check`). */
  readonly files: MigrationFile[];
}

/** A migration PostgreSQL's parser refuses, named as `lint` and `migrate` name it: file:line:column, the line, a caret. */
function parseFailure(file: MigrationFile, error: unknown): MigrationError {
  const details = (error as { sqlDetails?: { message?: string; cursorPosition?: number } }).sqlDetails;
  if (details?.cursorPosition === undefined)
    return new MigrationError(`${file.name}: ${error instanceof Error ? error.message : String(error)}`, { file: file.path });
  // The parser's cursor is a 0-based byte offset into the Up section.
  const chars = Buffer.from(file.up.sql, 'utf8').subarray(0, details.cursorPosition).toString('utf8').length;
  const at = { message: details.message, position: String(file.up.offset + chars + 1) };
  return new MigrationError(describeSqlError(file.path, file.text, at), {
    file: file.path,
    hint: 'Fix the statement; `pgphase lint` reports every finding of the pending migrations at once.',
  });
}

export async function planMigrate(client: pg.Client, config: Config, options: { to?: string } = {}): Promise<MigratePlan> {
  const files = await readMigrationsFrom(config);
  const procedures = await readProcedures(config.proceduresDir);
  const hasMeta = await metaExists(client);
  const applied = hasMeta ? await appliedMigrations(client) : new Map<string, { checksum: string | null }>();
  const pending = pendingThrough(files, new Set(applied.keys()), options.to);
  const procs = hasMeta ? await appliedProcedures(client) : new Map<string, string>();
  const invalid = (await findInvalidIndexes(client, files)).filter((ix) => ix.migration !== undefined);
  const migrations: PlannedMigration[] = [];
  for (const file of pending) {
    migrations.push({
      name: file.name,
      path: file.path,
      transaction: !file.noTransaction,
      sql: file.up.sql,
      statements: await statementLocks(file.up.sql, file.text, file.up.offset).catch((error: unknown) => {
        throw parseFailure(file, error);
      }),
    });
  }
  const planned = procedures
    .map((p) => {
      const recorded = procs.get(p.file);
      if (migrations.length > 0) return { file: p.file, reason: 'every procedure is re-applied after migrations run' };
      if (recorded === undefined) return { file: p.file, reason: 'never applied' };
      if (recorded === p.checksum) return undefined;
      return { file: p.file, reason: reapplyReason(recorded) ?? 'file changed since applied' };
    })
    .filter((p): p is { file: string; reason: string } => p !== undefined);
  return {
    framework: await pendingFrameworkFiles(client),
    invalidIndexes: invalid.map((ix) => ({
      index: `${ix.schema}.${ix.name}`,
      migration: ix.migration!,
      lock: 'SHARE UPDATE EXCLUSIVE (DROP/CREATE INDEX CONCURRENTLY)',
    })),
    migrations,
    procedures: planned,
    files: pending,
  };
}

export function formatPlan(plan: MigratePlan): string {
  const lines = ['dry run: nothing was changed; migrate would, in this order:'];
  if (plan.framework.length) lines.push(`  install pgphase's own schema: ${plan.framework.join(', ')}`);
  for (const ix of plan.invalidIndexes) lines.push(`  rebuild INVALID index ${ix.index} (from ${ix.migration}), lock ${ix.lock}`);
  for (const m of plan.migrations) {
    lines.push(`  migration ${m.name} (${m.transaction ? 'one transaction' : 'no transaction'}):`);
    for (const s of m.statements) lines.push(`    line ${String(s.line).padEnd(4)} ${s.lock.padEnd(22)} ${s.target ? `on ${s.target}: ` : ''}${s.sql}`);
  }
  if (plan.procedures.length) {
    const reasons = new Map<string, string[]>();
    for (const p of plan.procedures) reasons.set(p.reason, [...(reasons.get(p.reason) ?? []), p.file]);
    for (const [reason, files] of reasons) lines.push(`  apply ${files.length} procedure(s) (${reason}): ${files.join(', ')}`);
  }
  if (lines.length === 1) lines.push('  nothing: everything is applied');
  return lines.join('\n');
}
