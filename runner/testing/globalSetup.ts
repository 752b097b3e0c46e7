/**
 * vitest global setup: picks the server (see server.ts), builds a template database migrated
 * with the project's own migrations and procedures (pgphase.config.json, environment, defaults,
 * as the CLI reads them), and hands both to the test files, where `createTestDatabase()` clones
 * it. Use it as `globalSetup: ['node_modules/pgphase/dist/testing/globalSetup.js']`, or re-export
 * it from a file of your own (`export { default } from 'pgphase/testing/globalSetup'`).
 */
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { loadConfig } from '../configFile.js';
import { migrate } from '../migrate/migrate.js';
import { databaseUrl, pickTestServer } from './server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
    pgTemplate: string;
    pgSource: string;
    pgMajor: number;
  }
}

async function serverMajor(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return Math.floor(Number((await client.query<{ v: string }>(`SELECT current_setting('server_version_num') AS v`)).rows[0]!.v) / 10_000);
  } finally {
    await client.end();
  }
}

async function onAdmin(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * Builds the template and provides it to the test files; returns the teardown. When anything
 * fails after the server is up (say a migration of the template), the setup stops the server it
 * started before it rethrows, so that a failed test run leaves no server behind
 * (test/integration/globalSetup.test.ts proves it).
 */
export default async function setup(project: Pick<TestProject, 'provide'>): Promise<() => Promise<void>> {
  const { config } = loadConfig({ cwd: process.cwd(), env: process.env });
  const server = await pickTestServer({ home: config.home });
  const template = `pgphase_tpl_${process.pid}`;
  const teardown = async () => {
    try {
      await onAdmin(server.url, `DROP DATABASE IF EXISTS ${template} WITH (FORCE)`).catch(() => {});
    } finally {
      await server.stop();
    }
  };
  let major: number;
  try {
    await onAdmin(server.url, `DROP DATABASE IF EXISTS ${template} WITH (FORCE)`);
    await onAdmin(server.url, `CREATE DATABASE ${template}`);
    await migrate({ url: databaseUrl(server.url, template), config: { ...config, databaseUrl: server.url } });
    project.provide('pgAdminUrl', server.url);
    project.provide('pgTemplate', template);
    project.provide('pgSource', server.source);
    major = await serverMajor(server.url);
    project.provide('pgMajor', major);
  } catch (error) {
    await teardown().catch(() => {});
    throw error;
  }
  process.stderr.write(`integration tests on ${server.source}, PostgreSQL ${major}\n`);
  return teardown;
}
