/**
 * Repeatable procedures: `procedures/*.sql`, one `CREATE OR REPLACE` object per file, applied
 * after the versioned migrations, each in its own transaction, only when the file's checksum
 * differs from the one recorded in `pgphase.procedure_checksums`. A file that fails leaves the
 * previous version in place (its transaction rolls back) and fails the command with
 * file:line:column and the offending line. Files are applied in name order; those that fail are
 * retried after the others until a round applies nothing. What still fails is reported root cause
 * first (procedureFailures.ts): the file whose own statement fails, then the files that failed only
 * because they need an object of a failed file, as a chain.
 */
import { readFile, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type pg from 'pg';
import { transaction } from '../db/transaction.js';
import { MigrationError } from '../errors.js';
import type { Log } from '../log.js';
import { appliesTo } from '../db/versionRule.js';
import { checksum } from './checksum.js';
import { explainFailures, missingObject } from './procedureFailures.js';
import { appliedProcedures } from './meta.js';
import { lineAt, lineCol, normaliseLineEndings, splitStatements } from './sqlText.js';

export interface ProcedureFile {
  readonly file: string;
  readonly path: string;
  readonly text: string;
  readonly checksum: string;
}

export async function readProcedures(dir: string): Promise<ProcedureFile[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return Promise.all(
    names.map(async (file) => {
      const path = join(dir, file);
      const text = normaliseLineEndings(await readFile(path, 'utf8'));
      const statements = splitStatements(text);
      if (statements.length !== 1 || !/^CREATE\s+OR\s+REPLACE\s/i.test(statements[0]!.text)) {
        throw new MigrationError(
          `${relative(process.cwd(), path)}: a procedure file holds exactly one CREATE OR REPLACE statement (found ${statements.length} statements)`,
          {
            file: path,
          },
        );
      }
      return { file, path, text, checksum: checksum(text) };
    }),
  );
}

/** The files for this server's major: a `-- pgphase:server-version` header line can exclude one. */
export function forServer(files: readonly ProcedureFile[], major: number): ProcedureFile[] {
  return files.filter((f) => appliesTo(f.text, major));
}

/** Files whose checksum differs from the applied one (or that were never applied). */
export async function changedProcedures(client: pg.Client, files: readonly ProcedureFile[]): Promise<ProcedureFile[]> {
  const applied = await appliedProcedures(client);
  return files.filter((f) => applied.get(f.file) !== f.checksum);
}

/** Describes a failure as file:line:column plus the offending line. */
export function describeSqlError(path: string, text: string, error: unknown): string {
  const e = error as { message?: string; position?: string; internalPosition?: string; internalQuery?: string };
  let offset: number | undefined;
  if (e.position) offset = Number(e.position) - 1;
  else if (e.internalPosition && e.internalQuery) {
    const at = text.indexOf(e.internalQuery);
    if (at >= 0) offset = at + Number(e.internalPosition) - 1;
  }
  const where = relative(process.cwd(), path);
  if (offset === undefined || Number.isNaN(offset)) return `${where}: ${e.message ?? String(error)}`;
  const { line, column } = lineCol(text, offset);
  return `${where}:${line}:${column}: ${e.message}\n  ${line} | ${lineAt(text, line)}\n  ${' '.repeat(String(line).length)} | ${' '.repeat(Math.max(0, column - 1))}^`;
}

async function applyOne(client: pg.Client, proc: ProcedureFile, lockTimeoutMs: number): Promise<void> {
  await transaction(client, async () => {
    await client.query(`SELECT set_config('lock_timeout', $1, true)`, [`${lockTimeoutMs}ms`]);
    await client.query(proc.text);
    await client.query(
      `INSERT INTO pgphase.procedure_checksums (file, checksum) VALUES ($1, $2)
       ON CONFLICT (file) DO UPDATE SET checksum = EXCLUDED.checksum, applied_at = now()`,
      [proc.file, proc.checksum],
    );
  });
}

/** Applies the changed procedure files; returns the names of those applied. */
export async function applyProcedures(client: pg.Client, files: readonly ProcedureFile[], lockTimeoutMs: number, log: Log): Promise<string[]> {
  let pending = await changedProcedures(client, files);
  const applied: string[] = [];
  for (;;) {
    const failed: { proc: ProcedureFile; error: unknown }[] = [];
    for (const proc of pending) {
      try {
        await applyOne(client, proc, lockTimeoutMs);
        applied.push(proc.file);
        log.info(`applied procedure ${proc.file}`);
      } catch (error) {
        failed.push({ proc, error });
      }
    }
    if (failed.length === 0) return applied;
    if (failed.length === pending.length) throw procedureFailure(failed);
    pending = failed.map((f) => f.proc);
  }
}

/** One error for the files that still fail: the root cause with file:line:column, then the chains. */
function procedureFailure(failed: readonly { proc: ProcedureFile; error: unknown }[]): MigrationError {
  const report = explainFailures(
    failed.map(({ proc, error }) => ({
      file: proc.file,
      text: proc.text,
      message: (error as Error).message ?? String(error),
      described: describeSqlError(proc.path, proc.text, error),
    })),
  );
  const root = report.roots[0]!;
  const { proc, error } = failed.find((f) => f.proc.file === root.file)!;
  const others = report.roots.slice(1).map((r) => `also failed: ${r.described.split('\n')[0]}`);
  const missing = missingObject(root.message);
  return new MigrationError([root.described, ...report.chains, ...others].join('\n'), {
    file: proc.path,
    cause: error,
    hint: missing
      ? `No migration or procedure file creates ${missing}: create it in a migration, install the extension that provides it, or check that this PostgreSQL version has it. The previous versions of these objects are still in place.`
      : 'The previous version of this object is still in place; fix the file and run migrate again.',
  });
}
