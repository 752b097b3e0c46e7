/**
 * The server's version as a number (server_version_num), checked against versionRule.ts.
 * PGPHASE_TEST_SERVER_VERSION_NUM replaces the number the server reports: a test hook, to prove
 * that an old server is refused without installing one.
 */
import type pg from 'pg';
import { assertSupportedVersion } from './versionRule.js';

export async function serverVersionNum(client: pg.ClientBase): Promise<number> {
  const injected = process.env.PGPHASE_TEST_SERVER_VERSION_NUM;
  if (injected) return Number(injected);
  const { rows } = await client.query<{ v: string }>(`SELECT current_setting('server_version_num') AS v`);
  return Number(rows[0]!.v);
}

/** Refuses (exit code 2) a server older than PostgreSQL 15; returns its server_version_num. */
export async function checkServerVersion(client: pg.ClientBase): Promise<number> {
  const num = await serverVersionNum(client);
  assertSupportedVersion(num);
  return num;
}
