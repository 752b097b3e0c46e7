/**
 * A `CREATE INDEX CONCURRENTLY` that fails or is interrupted leaves an INVALID index behind:
 * it slows every write and serves no read, and `IF NOT EXISTS` would skip it forever. Before
 * applying migrations, pgphase finds invalid indexes that its own migration files build, drops
 * them concurrently and builds them again (an applied file's statement is re-run; a pending
 * file builds it when its turn comes). Invalid indexes it does not own are only reported.
 */
import type pg from 'pg';
import type { Log } from '../log.js';
import type { MigrationFile } from './migrationFile.js';

export interface InvalidIndex {
  readonly schema: string;
  readonly name: string;
  readonly table: string;
  /** The migration file that builds it, when pgphase owns it. */
  readonly migration: string | undefined;
}

export async function findInvalidIndexes(client: pg.Client, migrations: readonly MigrationFile[]): Promise<InvalidIndex[]> {
  const { rows } = await client.query<{ schema: string; name: string; table: string }>(
    `SELECT n.nspname AS schema, c.relname AS name, t.relname AS table
       FROM pg_index i
       JOIN pg_class c ON c.oid = i.indexrelid
       JOIN pg_class t ON t.oid = i.indrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE NOT i.indisvalid AND n.nspname NOT IN ('pg_catalog', 'information_schema')
      ORDER BY 1, 2`,
  );
  return rows.map((r) => ({
    ...r,
    migration: migrations.find((m) => m.concurrentIndexes.some((ix) => ix.schema === r.schema && ix.name === r.name))?.name,
  }));
}

/** Drops and rebuilds the invalid indexes that `migrations` own; returns the names it handled. */
export async function repairInvalidIndexes(
  client: pg.Client,
  migrations: readonly MigrationFile[],
  applied: ReadonlySet<string>,
  statementTimeoutMs: number,
  log: Log,
): Promise<string[]> {
  const repaired: string[] = [];
  for (const index of await findInvalidIndexes(client, migrations)) {
    const file = migrations.find((m) => m.name === index.migration);
    const owned = file?.concurrentIndexes.find((ix) => ix.schema === index.schema && ix.name === index.name);
    if (!file || !owned) {
      log.warn(`index ${index.schema}.${index.name} is INVALID and no migration builds it; leaving it alone`);
      continue;
    }
    log.warn(`index ${index.schema}.${index.name} (from ${file.name}) is INVALID: rebuilding it`);
    await client.query(`SELECT set_config('statement_timeout', $1, false)`, [`${statementTimeoutMs}ms`]);
    const quoted = await client.query<{ q: string }>('SELECT format($$%I.%I$$, $1::text, $2::text) AS q', [index.schema, index.name]);
    await client.query(`DROP INDEX CONCURRENTLY IF EXISTS ${quoted.rows[0]!.q}`);
    if (applied.has(file.name)) await client.query(owned.statement);
    repaired.push(`${index.schema}.${index.name}`);
  }
  return repaired;
}
