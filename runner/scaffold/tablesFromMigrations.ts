/**
 * The columns of a table as the project's migrations create it, read with PostgreSQL's parser
 * (libpg-query) from the `CREATE TABLE` statements of the Up sections, so that `new phase` can
 * scaffold a classification that already fits the source and the target. Later `ALTER TABLE`s
 * are not followed: the scaffold is a starting point the user edits.
 */
import { loadModule, parseSync } from 'libpg-query';
import type { MigrationFile } from '../migrate/migrationFile.js';

export interface ColumnShape {
  readonly name: string;
  /** The type as written for a cast (serial types as their integer type). */
  readonly type: string;
  /** Filled by the server when omitted: a default, an identity or a serial. */
  readonly generated: boolean;
  readonly notNull: boolean;
  /** A primary key or a unique constraint on this column alone (ON CONFLICT can name it). */
  readonly unique?: boolean;
  /** GENERATED ALWAYS AS IDENTITY: an INSERT cannot give it a value. */
  readonly identityAlways?: boolean;
}

export interface TableShape {
  readonly name: string;
  readonly columns: readonly ColumnShape[];
  /** The migration that creates it. */
  readonly migration: string;
}

// libpg-query's parse tree is JSON without TypeScript types; nodes are read field by field.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Node = Record<string, any>;
const SERIAL: Record<string, string> = {
  serial: 'integer',
  serial4: 'integer',
  bigserial: 'bigint',
  serial8: 'bigint',
  smallserial: 'smallint',
  serial2: 'smallint',
};
const ALIASES: Record<string, string> = { int8: 'bigint', int4: 'integer', int2: 'smallint', float8: 'double precision', float4: 'real', bool: 'boolean' };

function columnShape(def: Node): ColumnShape {
  const names = (def.typeName?.names ?? []).map((n: Node) => n.String?.sval as string);
  const base = names.at(-1) ?? 'text';
  const mods = (def.typeName?.typmods ?? []).map((m: Node) => m.A_Const?.ival?.ival ?? 0);
  const constraints = (def.constraints ?? []).map((c: Node) => c.Constraint?.contype as string);
  const type = (SERIAL[base] ?? ALIASES[base] ?? base) + (mods.length ? `(${mods.join(', ')})` : '') + (def.typeName?.arrayBounds ? '[]' : '');
  return {
    name: def.colname,
    type,
    generated: base in SERIAL || constraints.some((c: string) => ['CONSTR_DEFAULT', 'CONSTR_IDENTITY', 'CONSTR_GENERATED'].includes(c)),
    notNull: constraints.some((c: string) => c === 'CONSTR_NOTNULL' || c === 'CONSTR_PRIMARY'),
    unique: constraints.some((c: string) => c === 'CONSTR_PRIMARY' || c === 'CONSTR_UNIQUE'),
    identityAlways: (def.constraints ?? []).some((c: Node) => c.Constraint?.contype === 'CONSTR_IDENTITY' && c.Constraint?.generated_when === 'a'),
  };
}

/** Columns that a table-level PRIMARY KEY (col) or UNIQUE (col) makes unique on their own. */
function uniqueByTableConstraint(elts: Node[]): Set<string> {
  const out = new Set<string>();
  for (const e of elts) {
    const c = e.Constraint as Node | undefined;
    if (!c || !['CONSTR_PRIMARY', 'CONSTR_UNIQUE'].includes(c.contype) || (c.keys ?? []).length !== 1) continue;
    out.add(c.keys[0].String?.sval as string);
  }
  return out;
}

/** Every table the migrations create, by `schema.name` (unqualified names as `public.name`). */
export async function tablesFromMigrations(files: readonly MigrationFile[]): Promise<Map<string, TableShape>> {
  await loadModule();
  const tables = new Map<string, TableShape>();
  for (const file of files) {
    let stmts: { stmt: Node }[];
    try {
      stmts = (parseSync(file.up.sql) as { stmts?: { stmt: Node }[] }).stmts ?? [];
    } catch {
      continue; // a file the parser cannot read is for migrate to report, not for a scaffold
    }
    for (const { stmt } of stmts) {
      const create = stmt.CreateStmt as Node | undefined;
      if (!create) continue;
      const name = `${create.relation?.schemaname ?? 'public'}.${create.relation?.relname}`;
      const elts: Node[] = create.tableElts ?? [];
      const unique = uniqueByTableConstraint(elts);
      const columns = elts
        .filter((e: Node) => e.ColumnDef)
        .map((e: Node) => columnShape(e.ColumnDef))
        .map((c: ColumnShape) => (unique.has(c.name) ? { ...c, unique: true } : c));
      tables.set(name, { name, columns, migration: file.name });
    }
  }
  return tables;
}
