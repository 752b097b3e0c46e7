/**
 * One migrator at a time: a session-level advisory lock held for the whole of `migrate` or
 * `down`. A second migrator waits for it at most `waitMs` (PostgreSQL's lock_timeout bounds the
 * wait), then fails with a message naming the session that holds it. Because every migration
 * commits in its own transaction and the lock covers them all, the other migrator never sees a
 * half-applied state: it starts after the first one has finished and finds nothing pending.
 */
import type pg from 'pg';
import { LOCK_NOT_AVAILABLE, LockTimeoutError, sqlstateOf } from '../errors.js';
import { MIGRATE_LOCK_KEY } from './meta.js';

export async function acquireMigrationLock(client: pg.Client, waitMs: number): Promise<void> {
  await client.query(`SELECT set_config('lock_timeout', $1, false)`, [`${Math.max(1, waitMs)}ms`]);
  try {
    await client.query('SELECT pg_advisory_lock($1::bigint)', [MIGRATE_LOCK_KEY]);
  } catch (error) {
    if (sqlstateOf(error) !== LOCK_NOT_AVAILABLE) throw error;
    const { rows } = await client.query<{ pid: number; application_name: string; backend_start: Date }>(
      `SELECT a.pid, a.application_name, a.backend_start
         FROM pg_locks l JOIN pg_stat_activity a USING (pid)
        WHERE l.locktype = 'advisory' AND l.granted
          AND ((l.classid::bigint << 32) | l.objid::bigint) = $1::bigint`,
      [MIGRATE_LOCK_KEY],
    );
    const holder = rows[0];
    throw new LockTimeoutError(
      `another migrator is running${holder ? ` (pid ${holder.pid}, ${holder.application_name || 'no application_name'}, connected since ${holder.backend_start.toISOString()})` : ''}; waited ${waitMs} ms for it`,
      { cause: error, hint: 'Let it finish and run the command again, or raise PGPHASE_MIGRATE_WAIT.' },
    );
  }
}

export async function releaseMigrationLock(client: pg.Client): Promise<void> {
  await client.query('SELECT pg_advisory_unlock($1::bigint)', [MIGRATE_LOCK_KEY]);
}
