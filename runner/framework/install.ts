/**
 * pgphase installs and upgrades its own schema, as graphile-worker does: the SQL files in
 * `runner/framework/schema/` (numbered, append-only, like an application's migrations) are applied
 * in name order, each in its own transaction, before any application migration runs, and recorded
 * in `pgphase.framework_schema`. An application's `down` never touches them. A recorded file whose
 * text changed is refused: framework files are append-only too.
 */
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { transaction } from '../db/transaction.js';
import { MigrationError } from '../errors.js';
import { checksum } from '../migrate/checksum.js';

/** Resolved from this module, not from the working directory: it ships inside the package. */
export const FRAMEWORK_SCHEMA_DIR = join(dirname(fileURLToPath(import.meta.url)), 'schema');

export interface FrameworkFile {
  readonly name: string;
  readonly text: string;
  readonly checksum: string;
}

export async function readFrameworkFiles(dir = FRAMEWORK_SCHEMA_DIR): Promise<FrameworkFile[]> {
  const names = (await readdir(dir)).filter((n) => /^\d{4}_[a-z0-9_]+\.sql$/.test(n)).sort();
  return Promise.all(
    names.map(async (name) => {
      const text = await readFile(join(dir, name), 'utf8');
      return { name: name.replace(/\.sql$/, ''), text, checksum: checksum(text) };
    }),
  );
}

/** Applies the framework files not yet recorded; returns their names. Call under the migration lock. */
export async function installFramework(client: pg.Client, files?: readonly FrameworkFile[]): Promise<string[]> {
  const all = files ?? (await readFrameworkFiles());
  await client.query(`
    CREATE SCHEMA IF NOT EXISTS pgphase;
    CREATE TABLE IF NOT EXISTS pgphase.framework_schema (
      name text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());
  `);
  const { rows } = await client.query<{ name: string; checksum: string }>('SELECT name, checksum FROM pgphase.framework_schema');
  const applied = new Map(rows.map((r) => [r.name, r.checksum]));
  const installed: string[] = [];
  for (const file of all) {
    const recorded = applied.get(file.name);
    if (recorded === file.checksum) continue;
    if (recorded !== undefined) {
      throw new MigrationError(`pgphase's own schema file ${file.name} changed since it was applied`, {
        hint: 'Framework schema files are append-only: this installation of pgphase is damaged or was edited; reinstall it.',
      });
    }
    await transaction(client, async () => {
      await client.query(file.text);
      await client.query('INSERT INTO pgphase.framework_schema (name, checksum) VALUES ($1, $2)', [file.name, file.checksum]);
    });
    installed.push(file.name);
  }
  return installed;
}

/** Framework files not yet applied (for status/doctor); empty when pgphase's schema is current. */
export async function pendingFrameworkFiles(client: pg.ClientBase): Promise<string[]> {
  const all = await readFrameworkFiles();
  const { rows } = await client.query<{ exists: boolean }>(`SELECT to_regclass('pgphase.framework_schema') IS NOT NULL AS exists`);
  if (!rows[0]?.exists) return all.map((f) => f.name);
  const done = new Set((await client.query<{ name: string }>('SELECT name FROM pgphase.framework_schema')).rows.map((r) => r.name));
  return all.filter((f) => !done.has(f.name)).map((f) => f.name);
}
