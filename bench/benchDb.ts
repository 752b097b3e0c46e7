/**
 * The bench database: `pgphase_bench`, dropped and created fresh on the server that
 * DATABASE_URL names (or the embedded one), then migrated, so that dev data is never touched.
 * It is left in place afterwards, for profiling by hand.
 */
import pg from 'pg';
import type { Config } from '../runner/config.js';
import { type Database, openDatabase } from '../runner/db/database.js';
import { UsageError } from '../runner/errors.js';
import { migrate } from '../runner/migrate/migrate.js';

export const BENCH_DATABASE = 'pgphase_bench';

export interface BenchDatabase {
  readonly url: string;
  readonly server: Database['kind'];
  close(): Promise<void>;
}

export function withDatabaseName(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export async function openBenchDatabase(config: Config, say: (line: string) => void): Promise<BenchDatabase> {
  const db = await openDatabase(config);
  try {
    // Administer from the URL's own database, or from `postgres` if that is the bench database.
    const adminUrl = new URL(db.url).pathname === `/${BENCH_DATABASE}` ? withDatabaseName(db.url, 'postgres') : db.url;
    const url = withDatabaseName(db.url, BENCH_DATABASE);
    if (await mayCreateDatabases(adminUrl)) {
      const admin = new pg.Client({ connectionString: adminUrl });
      await admin.connect();
      try {
        await admin.query(`DROP DATABASE IF EXISTS ${BENCH_DATABASE} WITH (FORCE)`);
        await admin.query(`CREATE DATABASE ${BENCH_DATABASE}`);
      } finally {
        await admin.end();
      }
    } else if (new URL(db.url).pathname === `/${BENCH_DATABASE}`) {
      say(`this login may not create databases; emptying ${BENCH_DATABASE} in place (its schemas are dropped and migrated again)`);
      await emptyInPlace(url);
    } else {
      throw new UsageError(
        `bench creates its own database ${BENCH_DATABASE}, and this login may not create databases (no CREATEDB)`,
        `Have an administrator run CREATE DATABASE ${BENCH_DATABASE} OWNER <this login>, then point DATABASE_URL at it: bench empties it and works there.`,
      );
    }
    const result = await migrate({ url, config: { ...config, databaseUrl: url } });
    say(`bench database ${BENCH_DATABASE} (${db.kind}): ${result.applied.length} migrations, ${result.procedures.length} procedures applied`);
    return { url, server: db.kind, close: () => db.close() };
  } catch (error) {
    await db.close().catch(() => {});
    throw error;
  }
}

async function mayCreateDatabases(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ ok: boolean }>(`SELECT rolsuper OR rolcreatedb AS ok FROM pg_roles WHERE rolname = current_user`);
    return rows[0]?.ok ?? false;
  } finally {
    await client.end();
  }
}

/** Drops the schemas of a previous bench (the login owns them) so that migrate starts afresh. */
async function emptyInPlace(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('DROP SCHEMA IF EXISTS raw, staging, curated, pipeline, pgphase CASCADE');
  } finally {
    await client.end();
  }
}
