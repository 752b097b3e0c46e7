/**
 * pgphase's own bookkeeping lives in schema `pgphase`, apart from the application's schemas, so
 * that rolling back every migration (which drops `pipeline`) keeps the history of what ran.
 * - `pgphase.migrations`: node-pg-migrate's table (name, run_on).
 * - `pgphase.migration_checksums`: sha256 of each applied versioned file, written in the same
 *   transaction as the migration.
 * - `pgphase.procedure_checksums`: sha256 of each applied repeatable procedure file.
 */
import type pg from 'pg';

export const META_SCHEMA = 'pgphase';
export const MIGRATIONS_TABLE = 'migrations';

/** Advisory lock key held by a migrator for the whole of `migrate`/`down`. */
export const MIGRATE_LOCK_KEY = '7232648511430961153';

export async function ensureMeta(client: pg.Client): Promise<void> {
  await client.query(`
    CREATE SCHEMA IF NOT EXISTS pgphase;
    CREATE TABLE IF NOT EXISTS pgphase.migrations (
      id serial PRIMARY KEY, name varchar(255) NOT NULL, run_on timestamp NOT NULL);
    CREATE TABLE IF NOT EXISTS pgphase.migration_checksums (
      name text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());
    CREATE TABLE IF NOT EXISTS pgphase.procedure_checksums (
      file text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());
  `);
}

/** Whether the bookkeeping exists yet (status must not create it). */
export async function metaExists(client: pg.Client): Promise<boolean> {
  const { rows } = await client.query<{ ok: boolean }>(
    `SELECT to_regclass('pgphase.migration_checksums') IS NOT NULL
        AND to_regclass('pgphase.procedure_checksums') IS NOT NULL
        AND to_regclass('pgphase.migrations') IS NOT NULL AS ok`,
  );
  return rows[0]?.ok ?? false;
}

export async function appliedMigrations(client: pg.Client): Promise<Map<string, { runOn: Date; checksum: string | null }>> {
  const { rows } = await client.query<{ name: string; run_on: Date; checksum: string | null }>(
    `SELECT m.name, m.run_on, c.checksum
       FROM pgphase.migrations m LEFT JOIN pgphase.migration_checksums c USING (name)
      ORDER BY m.run_on, m.id`,
  );
  return new Map(rows.map((r) => [r.name, { runOn: r.run_on, checksum: r.checksum }]));
}

export async function appliedProcedures(client: pg.Client): Promise<Map<string, string>> {
  const { rows } = await client.query<{ file: string; checksum: string }>('SELECT file, checksum FROM pgphase.procedure_checksums');
  return new Map(rows.map((r) => [r.file, r.checksum]));
}
