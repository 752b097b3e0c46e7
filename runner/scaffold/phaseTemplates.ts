/**
 * Text of what `pgphase new phase` writes: a classification (the part the user fills in), a step
 * procedure on the generic isolation driver (pgphase.isolate), the target's migration when no
 * migration creates it yet, and the phase's entry for phases.json. Pure.
 */
import type { ColumnShape, TableShape } from './tablesFromMigrations.js';

export interface PhaseSpec {
  readonly name: string;
  readonly source: string;
  readonly target: string;
  readonly key: string;
}

/** Columns of the target the driver fills itself, or the database does. */
const BOOKKEEPING = new Set(['source_raw_id', 'run_id']);
const DEFAULT_SOURCE_COLUMN = 'source_raw_id';

/**
 * The target column that holds the source row's key, which pgphase.isolate upserts on (the step's
 * `source_column`): `source_raw_id` when the target has it (or the scaffold creates the target);
 * else the target's own column named like the source key when it alone is unique and an INSERT
 * may set it (a copy keyed like its source); else `source_raw_id`, added by a scaffolded
 * migration with a unique index (`add`). `why` says which, for the command's output.
 */
export function sourceKeyOf(spec: PhaseSpec, existing: TableShape | undefined): { column: string; add: boolean; why: string } {
  if (!existing || existing.columns.some((c) => c.name === DEFAULT_SOURCE_COLUMN)) return { column: DEFAULT_SOURCE_COLUMN, add: false, why: '' };
  const own = existing.columns.find((c) => c.name === spec.key);
  if (own?.unique && !own.identityAlways) {
    return {
      column: spec.key,
      add: false,
      why: `${spec.target}.${spec.key} is unique and takes the source's ${spec.key}: the step upserts on it (source_column)`,
    };
  }
  return {
    column: DEFAULT_SOURCE_COLUMN,
    add: true,
    why: `${spec.target} has no unique column that can take the source's ${spec.key}: two migrations add source_raw_id and its unique index (built concurrently), which the step upserts on`,
  };
}

export function classifyName(spec: PhaseSpec): string {
  return `${spec.target.split('.')[0]}.classify_${spec.name}`;
}

export function stepName(spec: PhaseSpec): string {
  return `${spec.target.split('.')[0]}.load_${spec.name}`;
}

/** The target columns the classification computes: not bookkeeping, not filled by the server unless the source has them. */
export function computedColumns(
  source: TableShape | undefined,
  target: TableShape | undefined,
  sourceColumn = DEFAULT_SOURCE_COLUMN,
): { column: ColumnShape; from: string | undefined }[] {
  if (!target) return [];
  const sourceCols = new Map((source?.columns ?? []).map((c) => [c.name, c]));
  return target.columns
    .filter((c) => !BOOKKEEPING.has(c.name) && c.name !== sourceColumn)
    .filter((c) => (sourceCols.has(c.name) ? !(c.generated && c.name === 'id') : !c.generated))
    .map((c) => {
      const s = sourceCols.get(c.name);
      if (!s) return { column: c, from: c.name === 'data' && c.type === 'jsonb' ? 'to_jsonb(s)' : undefined };
      return { column: c, from: s.type === c.type ? `s.${c.name}` : `s.${c.name}::${c.type}` };
    });
}

export function classifyText(spec: PhaseSpec, columns: { column: ColumnShape; from: string | undefined }[], sourceColumn = DEFAULT_SOURCE_COLUMN): string {
  const name = classifyName(spec);
  const outs = columns.map((c) => `  ${c.column.name} ${c.column.type},`).join('\n');
  const values = columns
    .map((c) => `         ${c.from ?? `NULL::${c.column.type}`} AS ${c.column.name}, -- fill in${c.from ? ' (a copy of the source column)' : ''}`)
    .join('\n');
  return `-- ${name}: phase ${spec.name}. For every ${spec.source} row with ${spec.key} in [p_lo, p_hi], the
-- row to write to ${spec.target} (reason_code NULL), or why the row is quarantined instead: a
-- stable reason_code and a message. Fill in the marked lines; keep it one set-based SELECT.
-- pgphase.isolate (the generic isolation driver) does the rest: one set-based write, the rejected
-- rows into pgphase.quarantine with their reason, and, when the target raises an error this
-- function did not foresee (a unique index, a check), a savepoint per record that writes the
-- others and quarantines that one as db_error with its SQLSTATE.
CREATE OR REPLACE FUNCTION ${name} (p_lo bigint, p_hi bigint) RETURNS TABLE (
  ${sourceColumn} bigint,
${outs}
  reason_code text,
  message text,
  raw_row jsonb
) LANGUAGE sql STABLE AS $$
  SELECT s.${spec.key} AS ${sourceColumn},
${values}
         NULL::text AS reason_code, -- fill in: CASE WHEN <the row is wrong> THEN 'a_reason' END
         NULL::text AS message, -- fill in: CASE WHEN <the row is wrong> THEN 'what is wrong' END
         to_jsonb(s) AS raw_row
    FROM ${spec.source} s
   WHERE s.${spec.key} BETWEEN p_lo AND p_hi
$$;
`;
}

export function stepText(spec: PhaseSpec, sourceColumn = DEFAULT_SOURCE_COLUMN): string {
  const step = JSON.stringify({
    source: spec.source,
    key: spec.key,
    classify: classifyName(spec),
    target: spec.target,
    ...(sourceColumn === DEFAULT_SOURCE_COLUMN ? {} : { source_column: sourceColumn }),
  });
  return `-- ${stepName(spec)}: the step of phase ${spec.name}, CALLed by \`pgphase run\` over key ranges of
-- ${spec.source}; the generic isolation driver writes what ${classifyName(spec)} decides.
CREATE OR REPLACE PROCEDURE ${stepName(spec)} (
  p_run_id bigint,
  p_lo bigint,
  p_hi bigint,
  INOUT rows_in bigint DEFAULT NULL,
  INOUT written bigint DEFAULT NULL,
  INOUT rejected bigint DEFAULT NULL,
  INOUT extras jsonb DEFAULT NULL
) LANGUAGE plpgsql AS $$
BEGIN
  CALL pgphase.isolate('${step}', p_run_id, p_lo, p_hi, rows_in, written, rejected, extras);
END
$$;
`;
}

/** The target `targetMigrationText` creates: the source's columns (or the row as jsonb). */
export function scaffoldTarget(spec: PhaseSpec, source: TableShape | undefined): TableShape {
  const own = source
    ? source.columns.filter((c) => c.name !== spec.key && !BOOKKEEPING.has(c.name)).map((c) => ({ ...c, generated: false, notNull: false }))
    : [{ name: 'data', type: 'jsonb', generated: false, notNull: true }];
  return {
    name: spec.target,
    migration: '',
    columns: [
      { name: 'id', type: 'bigint', generated: true, notNull: true },
      { name: 'source_raw_id', type: 'bigint', generated: false, notNull: true },
      ...own,
      { name: 'run_id', type: 'bigint', generated: false, notNull: false },
    ],
  };
}

/** A migration creating the target when no migration does. */
export function targetMigrationText(spec: PhaseSpec, target: TableShape): string {
  const cols = target.columns
    .filter((c) => !['id', 'source_raw_id', 'run_id'].includes(c.name))
    .map((c) => `  ${c.name} ${c.type}${c.notNull ? ' NOT NULL' : ''},`);
  return `-- The target of phase ${spec.name}: one row per accepted ${spec.source} row (source_raw_id, unique, is
-- what the isolation driver upserts on). Edit the columns before applying it.
-- Up Migration
CREATE TABLE ${spec.target} (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  source_raw_id bigint NOT NULL UNIQUE,
${cols.join('\n')}
  run_id bigint
);

-- Down Migration
DROP TABLE ${spec.target};
`;
}

/** The two migrations that give an existing target `source_raw_id` and the unique index the step upserts on. */
export function sourceKeyMigrations(spec: PhaseSpec): { column: string; index: string } {
  const table = spec.target.split('.')[1]!;
  return {
    column: `-- Phase ${spec.name} upserts ${spec.target} rows on the source's key: a column for it. Nullable and
-- without a default, so adding it only changes the catalog (a brief ACCESS EXCLUSIVE lock, no rewrite).
-- Up Migration
ALTER TABLE ${spec.target} ADD COLUMN source_raw_id bigint;

-- Down Migration
ALTER TABLE ${spec.target} DROP COLUMN source_raw_id;
`,
    index: `-- no-transaction
-- The unique index phase ${spec.name} upserts on (ON CONFLICT (source_raw_id)), built without blocking writes.
-- Up Migration
CREATE UNIQUE INDEX CONCURRENTLY ${table}_source_raw_id_key ON ${spec.target} (source_raw_id);

-- Down Migration
DROP INDEX CONCURRENTLY ${spec.target.split('.')[0]}.${table}_source_raw_id_key;
`,
  };
}

export function phaseEntry(spec: PhaseSpec) {
  return {
    name: spec.name,
    description: `${spec.source} -> ${spec.target}`,
    dependsOn: [] as string[],
    steps: [{ source: spec.source, procedure: stepName(spec), key: spec.key }],
  };
}
