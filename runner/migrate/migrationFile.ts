/**
 * A versioned migration file: `NNNN_name.sql` with `-- Up Migration` and `-- Down Migration`
 * sections (node-pg-migrate's SQL format). A first line `-- no-transaction` runs the file outside
 * a transaction, which `CREATE INDEX CONCURRENTLY` needs; such a file holds exactly one
 * statement per direction, because PostgreSQL runs a multi-statement string in one implicit
 * transaction.
 */
import { readFile, readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { MigrationError } from '../errors.js';
import { checksum } from './checksum.js';
import { normaliseLineEndings, splitStatements } from './sqlText.js';

export interface MigrationFile {
  /** The name node-pg-migrate records: the file name without `.sql`. */
  readonly name: string;
  readonly path: string;
  readonly checksum: string;
  /** The whole file, line endings normalised. */
  readonly text: string;
  readonly noTransaction: boolean;
  readonly up: Section;
  readonly down: Section | undefined;
  /** Indexes this file builds CONCURRENTLY, which pgphase rebuilds when left INVALID. */
  readonly concurrentIndexes: readonly ConcurrentIndex[];
  /**
   * Checksums of earlier versions this file stands for (`-- pgphase:replaces-checksum <sha256>`
   * lines): an edit that does the same on every database that applied the earlier version, with
   * the reason in the file's header. Anything else changed after applying is refused.
   */
  readonly replacesChecksums: readonly string[];
}

export interface Section {
  /** What to send: the section as written, or its single statement for no-transaction files. */
  readonly sql: string;
  /** Offset of `sql` in the file, to turn an error position into file:line:column. */
  readonly offset: number;
}

export interface ConcurrentIndex {
  readonly schema: string;
  readonly name: string;
  /** The CREATE INDEX CONCURRENTLY statement that builds it. */
  readonly statement: string;
}

const NO_TRANSACTION = /^--\s*no-transaction\s*$/i;
const REPLACES = /^--\s*pgphase:replaces-checksum\s+([0-9a-f]{64})\s*$/gm;
const UP = /^\s*--[\s-]*up\s+migration/im;
const DOWN = /^\s*--[\s-]*down\s+migration/im;
const CREATE_INDEX =
  /^\s*CREATE\s+(?:UNIQUE\s+)?INDEX\s+CONCURRENTLY\s+(?:IF\s+NOT\s+EXISTS\s+)?("?)([A-Za-z_][\w$]*)\1\s+ON\s+(?:ONLY\s+)?(?:("?)([A-Za-z_][\w$]*)\3\.)?/i;

/** squawk's ignore comments (`-- squawk-ignore[-file] rule -- why`) are lint annotations, not SQL. */
const LINT_DIRECTIVE = /^\s*--\s*squawk-ignore(?:-file)?\s.*(?:\n|$)/gm;

/** The text a checksum covers: adding or editing a lint annotation does not change an applied file. */
export function withoutLintDirectives(text: string): string {
  return text.replace(LINT_DIRECTIVE, '');
}

/** Splits the file at its `-- Up Migration` / `-- Down Migration` markers (either order). */
export function sections(text: string): { up: [number, number]; down: [number, number] | undefined } {
  const upAt = text.search(UP);
  const downAt = text.search(DOWN);
  if (downAt < 0) return { up: [Math.max(0, upAt), text.length], down: undefined };
  if (upAt < 0) return { up: [0, downAt], down: [downAt, text.length] };
  return upAt < downAt ? { up: [upAt, downAt], down: [downAt, text.length] } : { up: [upAt, text.length], down: [downAt, upAt] };
}

function section(text: string, [from, to]: [number, number], single: boolean): Section {
  const sql = text.slice(from, to);
  if (!single) return { sql, offset: from };
  const statement = splitStatements(sql)[0];
  return statement ? { sql: statement.text, offset: from + statement.start } : { sql: '', offset: from };
}

export function parseMigration(path: string, source: string): MigrationFile {
  const text = normaliseLineEndings(source);
  const name = basename(path).replace(/\.sql$/, '');
  const noTransaction = NO_TRANSACTION.test(text.split('\n', 1)[0] ?? '');
  const bounds = sections(text);
  const upStatements = splitStatements(text.slice(...bounds.up));
  if (upStatements.length === 0) {
    throw new MigrationError(`${path}: the up migration holds no statement`, { file: path });
  }
  if (noTransaction) {
    for (const [direction, range] of [
      ['up', bounds.up],
      ['down', bounds.down ?? [0, 0]],
    ] as const) {
      const count = splitStatements(text.slice(...range)).length;
      if (count > 1) {
        throw new MigrationError(
          `${path}: a -- no-transaction migration must hold exactly one statement per direction; its ${direction} section holds ${count}`,
          { file: path, hint: 'PostgreSQL runs a multi-statement string in one implicit transaction. Split the file.' },
        );
      }
    }
  }
  const concurrentIndexes: ConcurrentIndex[] = [];
  for (const statement of upStatements) {
    const match = CREATE_INDEX.exec(statement.text);
    if (match) concurrentIndexes.push({ name: match[2]!, schema: match[4] ?? 'public', statement: statement.text });
  }
  return {
    name,
    path,
    checksum: checksum(withoutLintDirectives(text)),
    text,
    noTransaction,
    up: section(text, bounds.up, noTransaction),
    down: bounds.down ? section(text, bounds.down, noTransaction) : undefined,
    concurrentIndexes,
    replacesChecksums: [...text.matchAll(REPLACES)].map((m) => m[1]!),
  };
}

/** Whether a checksum recorded when the file was applied still matches the file. */
export function checksumAccepted(file: MigrationFile, recorded: string): boolean {
  return recorded === file.checksum || file.replacesChecksums.includes(recorded);
}

/** Every `.sql` migration in `dir`, sorted by name. Other files (notes in `.md`) are ignored. */
export async function readMigrations(dir: string): Promise<MigrationFile[]> {
  const names = (await readdir(dir)).filter((f) => f.endsWith('.sql') && !f.startsWith('.')).sort();
  return Promise.all(names.map(async (f) => parseMigration(join(dir, f), await readFile(join(dir, f), 'utf8'))));
}
