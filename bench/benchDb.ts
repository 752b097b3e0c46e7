/**
 * The bench database: `pgphase_bench`, dropped and created fresh on the server that
 * DATABASE_URL names (or the embedded one), then migrated, so that dev data is never touched.
 * It is left in place afterwards, for profiling by hand.
 */
import pg from 'pg';
import type { Config } from '../runner/config.js';
import { type Database, openDatabase } from '../runner/db/database.js';
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
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    try {
      await admin.query(`DROP DATABASE IF EXISTS ${BENCH_DATABASE} WITH (FORCE)`);
      await admin.query(`CREATE DATABASE ${BENCH_DATABASE}`);
    } finally {
      await admin.end();
    }
    const url = withDatabaseName(db.url, BENCH_DATABASE);
    const result = await migrate({ url, config: { ...config, databaseUrl: url } });
    say(`bench database ${BENCH_DATABASE} (${db.kind}): ${result.applied.length} migrations, ${result.procedures.length} procedures applied`);
    return { url, server: db.kind, close: () => db.close() };
  } catch (error) {
    await db.close().catch(() => {});
    throw error;
  }
}
