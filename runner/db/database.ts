/**
 * Database selection: `DATABASE_URL` when set, otherwise the embedded PostgreSQL under the
 * project's `.pgphase/` folder — in CI only when asked for (PGPHASE_EMBEDDED=1; config.ts). An
 * empty DATABASE_URL is an error, never the embedded server. `openDatabase` returns a URL to connect to and a `close` that
 * stops the embedded server when this process started it.
 */
import { join } from 'node:path';
import pg from 'pg';
import type { Config } from '../config.js';
import { ConnectionError, isConnectTimeout, UsageError, wrapError } from '../errors.js';
import { urlProblem } from './urlProblem.js';
import { startEmbedded } from './embedded.js';
import { checkServerVersion } from './serverVersion.js';
import { readableSession } from './readableSession.js';

export interface Database {
  readonly url: string;
  /** `embedded` when pgphase runs its own server, `external` for DATABASE_URL. */
  readonly kind: 'embedded' | 'external';
  close(): Promise<void>;
}

/** PGPHASE_CONNECT_TIMEOUT of the command running (set by openDatabase); 10 s until then. */
let connectTimeoutMs = 10_000;
export const connectTimeout = (): number => connectTimeoutMs;

export async function openDatabase(config: Config): Promise<Database> {
  if (config.connectTimeoutMs > 0) connectTimeoutMs = config.connectTimeoutMs;
  if (config.databaseUrl) {
    const url = config.databaseUrl;
    const problem = urlProblem(url);
    if (problem) throw new UsageError(problem.message, problem.hint);
    const client = await connect(url, 'pgphase');
    try {
      await checkServerVersion(client); // an old server is refused before any command changes anything
    } finally {
      await client.end().catch(() => {});
    }
    return { url, kind: 'external', close: async () => {} };
  }
  if (config.embedded === 'off') {
    throw new UsageError('DATABASE_URL is not set, and PGPHASE_EMBEDDED=0 forbids the embedded server', 'Set DATABASE_URL to the server to use.');
  }
  if (config.embedded === 'ci') {
    throw new UsageError(
      'DATABASE_URL is not set, and this is CI (CI is set): pgphase starts its throwaway embedded server there only when asked, so that a missing secret cannot make a green deploy that touched nothing',
      'Set DATABASE_URL to the server to change; for a job that wants a throwaway server (a pull-request check), set PGPHASE_EMBEDDED=1.',
    );
  }
  const server = await startEmbedded({ dataDir: join(config.home, 'pgdata'), durable: true });
  return { url: server.url, kind: 'embedded', close: () => server.stop() };
}

/** Opens one client, turning connection failures into errors a DBA can act on. */
export async function connect(url: string, applicationName: string, timeoutMs = connectTimeoutMs): Promise<pg.Client> {
  // A host that drops packets silently, or accepts and never answers, must not hang the command:
  // give up after PGPHASE_CONNECT_TIMEOUT (a ConnectionError, exit code 3; the runner retries it).
  const client = new pg.Client({ connectionString: url, application_name: applicationName, connectionTimeoutMillis: timeoutMs });
  client.on('error', () => {
    /* a lost connection surfaces on the next query; do not crash the process here */
  });
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => {});
    throw connectFailure(error, timeoutMs);
  }
  try {
    await readableSession(client);
  } catch (error) {
    await client.end().catch(() => {});
    throw wrapError(error, 'could not prepare the session');
  }
  return client;
}

/** A failed connect as a DBA reads it; a timeout names the limit that was reached. */
export function connectFailure(error: unknown, timeoutMs: number): Error {
  if (!isConnectTimeout(error)) return wrapError(error, 'could not connect to the database');
  const wrapped = wrapError(error);
  return new ConnectionError(`could not connect to the database: no answer within ${timeoutMs} ms (PGPHASE_CONNECT_TIMEOUT)`, {
    cause: error,
    ...(wrapped.hint ? { hint: wrapped.hint } : {}),
  });
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
