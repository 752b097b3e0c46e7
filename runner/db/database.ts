/**
 * Database selection: `DATABASE_URL` when set, otherwise the embedded PostgreSQL under the
 * project's `.pgphase/` folder. `openDatabase` returns a URL to connect to and a `close` that
 * stops the embedded server when this process started it.
 */
import { join } from 'node:path';
import pg from 'pg';
import type { Config } from '../config.js';
import { UsageError, wrapError } from '../errors.js';
import { urlProblem } from './urlProblem.js';
import { startEmbedded } from './embedded.js';

export interface Database {
  readonly url: string;
  /** `embedded` when pgphase runs its own server, `external` for DATABASE_URL. */
  readonly kind: 'embedded' | 'external';
  close(): Promise<void>;
}

export async function openDatabase(config: Config): Promise<Database> {
  if (config.databaseUrl) {
    const url = config.databaseUrl;
    const problem = urlProblem(url);
    if (problem) throw new UsageError(problem.message, problem.hint);
    const client = await connect(url, 'pgphase');
    await client.end();
    return { url, kind: 'external', close: async () => {} };
  }
  const server = await startEmbedded({ dataDir: join(config.home, 'pgdata'), durable: true });
  return { url: server.url, kind: 'embedded', close: () => server.stop() };
}

/** Opens one client, turning connection failures into errors a DBA can act on. */
export async function connect(url: string, applicationName: string): Promise<pg.Client> {
  // A host that drops packets silently must not hang the command: give up after 10 s.
  const client = new pg.Client({ connectionString: url, application_name: applicationName, connectionTimeoutMillis: 10_000 });
  client.on('error', () => {
    /* a lost connection surfaces on the next query; do not crash the process here */
  });
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => {});
    throw wrapError(error, 'could not connect to the database');
  }
  return client;
}

/** Runs `fn` with a client that is always closed afterwards. */
export async function withClient<T>(url: string, applicationName: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = await connect(url, applicationName);
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}
