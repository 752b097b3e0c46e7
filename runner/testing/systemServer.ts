/**
 * A test server from the distribution's own PostgreSQL binaries (Debian's postgresql-15, built
 * with LLVM, JIT on by default), for the `system15` lane and that lane's dedicated servers. It has
 * the embedded server's shape (EmbeddedServer), so a test takes either.
 *
 * Everything lives in the folder that holds `dataDir`: the cluster, its unix socket (never the
 * distro's /var/run/postgresql: the machine's own cluster is left alone), the password file and
 * postgres.log. initdb runs only when the cluster does not exist yet; a server already running on
 * it is attached to (and left running), as startEmbedded does. A test server: fsync off, never
 * durable, on a free port of 127.0.0.1; stop() is `pg_ctl stop -m fast`.
 *
 * initdb and pg_ctl refuse to run as root: as root they run as the OS user `postgres` (which the
 * distro's package creates), which then owns the folder and must be able to reach it.
 */
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { BASE_SETTINGS, type EmbeddedServer, FAST_SETTINGS, freePort, othersCanTraverse } from '../db/embedded.js';

export interface SystemServerOptions {
  /** The cluster's folder; its parent holds the socket, the password file and postgres.log. */
  readonly dataDir: string;
  /** The distro's binaries (initdb, pg_ctl, postgres): see systemBinDir. */
  readonly binDir: string;
  /** Extra `-c name=value` server settings, over SETTINGS. */
  readonly settings?: Readonly<Record<string, string>>;
}

const USER = 'postgres';
const TOOLS = ['initdb', 'pg_ctl', 'postgres'] as const;

/** The embedded test servers' settings (not durable): the lanes differ by their build only. */
const SETTINGS: Readonly<Record<string, string>> = { ...BASE_SETTINGS, ...FAST_SETTINGS };

/** The distro's binaries of `major`: PGPHASE_PG_BINDIR, else Debian's /usr/lib/postgresql/<major>/bin. */
export function systemBinDir(major: number, env: Record<string, string | undefined> = process.env): string {
  return env.PGPHASE_PG_BINDIR?.trim() || `/usr/lib/postgresql/${major}/bin`;
}

const run = promisify(execFile);
type Ids = { uid: number; gid: number } | undefined;

/** As root, the ids of the OS user postgres, as whom the binaries run; otherwise none. */
function runAs(): Ids {
  if (userInfo().uid !== 0) return undefined;
  try {
    const id = (flag: string) => Number(execFileSync('id', [flag, USER], { encoding: 'utf8' }).trim());
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    throw new Error(`as root, the distro's PostgreSQL runs as the OS user ${USER}, and there is none (installing the distro's package creates it)`);
  }
}

/**
 * Runs one of the distro's binaries (as postgres when we are root). `pg_ctl start` gives the
 * postmaster a session of its own (setsid), so a terminal's Ctrl-C to the tests does not reach it.
 */
async function pgTool(ids: Ids, binDir: string, tool: (typeof TOOLS)[number], args: string[]): Promise<void> {
  try {
    await run(join(binDir, tool), args, { ...ids, env: { ...process.env, LC_MESSAGES: 'C' } });
  } catch (error) {
    const e = error as { stderr?: string; stdout?: string; message: string };
    throw new Error(`${tool} ${args[0]} failed: ${(e.stderr || e.stdout || e.message).trim()}`, { cause: error });
  }
}

/** The port of a live server on `dataDir`, read from its postmaster.pid, if there is one. */
function runningPort(dataDir: string): number | undefined {
  const pidFile = join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const [pid, , , port] = readFileSync(pidFile, 'utf8').split('\n').map(Number);
  if (!Number.isInteger(pid) || pid! <= 0 || !Number.isInteger(port)) return undefined;
  try {
    process.kill(pid!, 0);
    return port;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM' ? port : undefined;
  }
}

/** A value for pg_ctl's `-o`, which goes through a shell. */
const shellQuote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

export async function startSystemPostgres(options: SystemServerOptions): Promise<EmbeddedServer> {
  const missing = TOOLS.filter((tool) => !existsSync(join(options.binDir, tool)));
  if (missing.length > 0) {
    throw new Error(
      `${options.binDir} has no ${missing.join(', ')}: install the distro's PostgreSQL (Debian: apt-get install postgresql-15), or set PGPHASE_PG_BINDIR to its binaries`,
    );
  }
  const dataDir = resolve(options.dataDir);
  const folder = dirname(dataDir);
  const ids = runAs();
  if (ids && !othersCanTraverse(folder)) throw new Error(`the OS user ${USER} cannot reach ${folder}: make its parents world-executable (chmod o+x)`);
  mkdirSync(folder, { recursive: true });
  if (ids) chownSync(folder, ids.uid, ids.gid);

  const passwordFile = join(folder, 'password');
  if (!existsSync(passwordFile)) writeFileSync(passwordFile, `${randomBytes(18).toString('base64url')}\n`, { mode: 0o600 });
  if (ids) chownSync(passwordFile, ids.uid, ids.gid); // initdb reads it as postgres
  const password = readFileSync(passwordFile, 'utf8').trim();
  const urlFor = (port: number) => `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;

  const attached = runningPort(dataDir);
  if (attached !== undefined) return { url: urlFor(attached), port: attached, dataDir, owned: false, stop: async () => {} };

  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    await pgTool(ids, options.binDir, 'initdb', [
      `--pgdata=${dataDir}`,
      `--username=${USER}`,
      `--pwfile=${passwordFile}`,
      '--auth=scram-sha-256',
      '--encoding=UTF8',
      '--lc-messages=C',
      '--no-sync',
    ]);
  }
  const logFile = join(folder, 'postgres.log');
  const settings = { ...SETTINGS, unix_socket_directories: folder, ...options.settings };
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const flags = [`-p ${port}`, ...Object.entries(settings).map(([k, v]) => `-c ${shellQuote(`${k}=${v}`)}`)].join(' ');
    const logBefore = existsSync(logFile) ? statSync(logFile).size : 0;
    try {
      await pgTool(ids, options.binDir, 'pg_ctl', ['start', '--wait', '--timeout=60', `--pgdata=${dataDir}`, `--log=${logFile}`, `--options=${flags}`]);
    } catch (error) {
      const log = existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(logBefore) : '';
      if (/could not bind|Address already in use/i.test(log) && attempt < 5) continue;
      const tail = log.trim().split('\n').slice(-8).join('\n');
      throw new Error(`could not start the distro's PostgreSQL (${options.binDir}) in ${dataDir}: ${(error as Error).message}\n${tail}`, { cause: error });
    }
    return {
      url: urlFor(port),
      port,
      dataDir,
      owned: true,
      stop: async () => {
        if (runningPort(dataDir) === undefined) return;
        await pgTool(ids, options.binDir, 'pg_ctl', ['stop', '--wait', '--timeout=60', '--mode=fast', `--pgdata=${dataDir}`]);
      },
    };
  }
}
