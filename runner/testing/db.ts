/**
 * Per-file databases: `createTestDatabase()` clones the migrated template that the global setup
 * built (fast and isolated, as graphile-worker's helpers do); `{ empty: true }` gives an empty
 * database for tests of migrations themselves. Drop it in afterAll.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { type Config, type ConfigInput, parseConfig } from '../config.js';
import { databaseUrl } from './server.js';

export interface TestDatabase {
  readonly name: string;
  readonly url: string;
  readonly pool: pg.Pool;
  query<R extends pg.QueryResultRow = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]>;
  config(overrides?: Partial<ConfigInput>): Config;
  drop(): Promise<void>;
}

/** Runs `fn` with a client on the server's admin database (to create roles and databases). */
export async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: inject('pgAdminUrl') });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function createTestDatabase(options: { empty?: boolean } = {}): Promise<TestDatabase> {
  const name = `pgphase_t_${randomBytes(5).toString('hex')}`;
  const template = options.empty ? 'template0' : inject('pgTemplate');
  await admin((c) => c.query(`CREATE DATABASE ${name} TEMPLATE ${template}`));
  const url = databaseUrl(inject('pgAdminUrl'), name);
  const pool = new pg.Pool({ connectionString: url, max: 8 });
  pool.on('error', () => {});
  return {
    name,
    url,
    pool,
    query: async (sql, params) => (await pool.query(sql, params)).rows,
    config: (overrides = {}) => parseConfig({ databaseUrl: url, ...overrides }),
    drop: async () => {
      await pool.end();
      await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}
