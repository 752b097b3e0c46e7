/**
 * A real PgBouncer for the pooler tests: the machine's `pgbouncer` binary (Debian's package;
 * `.ci/run` installs it), started on a free loopback port with a generated ini in a temporary
 * folder, in front of one test database. `auth_type = any`: PgBouncer logs in to the server as the
 * test server's user with its password (SCRAM), whoever the client says it is.
 * `ignore_startup_parameters` is left empty on purpose: a client that sends a startup parameter
 * PgBouncer does not track (statement_timeout, options) is refused, as it is in production.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export const PGBOUNCER = ['/usr/sbin/pgbouncer', '/usr/bin/pgbouncer'].find((p) => existsSync(p)) ?? null;

export interface Bouncer {
  /** The database's URL through the pooler. */
  readonly url: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** The user PgBouncer runs as when started by root: `postgres` (Debian's package creates it), else `nobody`. */
function unprivileged(): { name: string; uid: number; gid: number } {
  for (const name of ['postgres', 'nobody']) {
    try {
      const uid = Number(execFileSync('id', ['-u', name]).toString().trim());
      const gid = Number(execFileSync('id', ['-g', name]).toString().trim());
      return { name, uid, gid };
    } catch {
      // no such user: try the next
    }
  }
  throw new Error('PgBouncer does not run as root, and there is no postgres or nobody user to run it as');
}

/** Starts PgBouncer in front of the database at `databaseUrl`, in `mode` (default transaction). */
export async function startPgBouncer(databaseUrl: string, mode: 'transaction' | 'session' = 'transaction'): Promise<Bouncer> {
  if (!PGBOUNCER) throw new Error('no pgbouncer binary (apt-get install pgbouncer)');
  const target = new URL(databaseUrl);
  const dir = await mkdtemp(join(tmpdir(), 'pgphase-bouncer-'));
  const port = await freePort();
  const database = decodeURIComponent(target.pathname.slice(1));
  const quote = (v: string) => `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  const ini = [
    '[databases]',
    `${database} = host=${target.hostname === 'localhost' ? '127.0.0.1' : target.hostname} port=${target.port || 5432} dbname=${database} ` +
      `user=${decodeURIComponent(target.username)} password=${quote(decodeURIComponent(target.password))}`,
    '[pgbouncer]',
    'listen_addr = 127.0.0.1',
    `listen_port = ${port}`,
    "unix_socket_dir = ''",
    'auth_type = any',
    `pool_mode = ${mode}`,
    'default_pool_size = 20',
    'max_client_conn = 200',
    `logfile = ${join(dir, 'pgbouncer.log')}`,
    'server_reset_query = DISCARD ALL',
    '',
  ].join('\n');
  await writeFile(join(dir, 'pgbouncer.ini'), ini);
  // PgBouncer refuses to run as root: as root, it drops to an unprivileged user (-u) that owns the folder.
  const asUser = userInfo().uid === 0 ? unprivileged() : null;
  if (asUser) {
    await chown(dir, asUser.uid, asUser.gid);
    await chown(join(dir, 'pgbouncer.ini'), asUser.uid, asUser.gid);
  }
  const child: ChildProcess = spawn(PGBOUNCER, [...(asUser ? ['-u', asUser.name] : []), join(dir, 'pgbouncer.ini')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const url = `postgres://pgphase:x@127.0.0.1:${port}/${database}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      await client.end();
      break;
    } catch (error) {
      await client.end().catch(() => {});
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`pgbouncer did not start: ${error instanceof Error ? error.message : String(error)}\n${stderr}`, { cause: error });
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    url,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
