/**
 * One migrator at a time: a session-level advisory lock held for the whole of `migrate` or
 * `down`. A second migrator polls for it with `pg_try_advisory_lock` (capped exponential
 * backoff with jitter) until `waitMs` has passed, then fails with a message naming the session
 * that holds it. It must poll rather than block in `pg_advisory_lock`: a blocked statement holds
 * a snapshot, and the first migrator's `CREATE INDEX CONCURRENTLY` waits for every snapshot, so
 * the two would deadlock (found by the two-migrators test).
 *
 * Because every migration commits in its own transaction and the lock covers them all, the
 * waiting migrator never sees a half-applied state: it starts after the first one has finished
 * and finds nothing pending.
 */
import type pg from 'pg';
import { LockTimeoutError } from '../errors.js';
import { MIGRATE_LOCK_KEY } from './meta.js';
import { backoffMs } from '../plan/retryPolicy.js';
import { sleep } from '../sleep.js';

async function holder(client: pg.Client): Promise<string> {
  const { rows } = await client.query<{ pid: number; application_name: string; backend_start: Date }>(
    `SELECT a.pid, a.application_name, a.backend_start
       FROM pg_locks l JOIN pg_stat_activity a USING (pid)
      WHERE l.locktype = 'advisory' AND l.granted
        AND ((l.classid::bigint << 32) | l.objid::bigint) = $1::bigint`,
    [MIGRATE_LOCK_KEY],
  );
  const h = rows[0];
  return h ? ` (pid ${h.pid}, ${h.application_name || 'no application_name'}, connected since ${h.backend_start.toISOString()})` : '';
}

export async function acquireMigrationLock(client: pg.Client, waitMs: number): Promise<void> {
  const deadline = Date.now() + waitMs;
  for (let attempt = 0; ; attempt++) {
    const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS ok', [MIGRATE_LOCK_KEY]);
    if (rows[0]?.ok) return;
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      throw new LockTimeoutError(`another migrator is running${await holder(client)}; waited ${waitMs} ms for it`, {
        hint: 'Let it finish and run the command again, or raise PGPHASE_MIGRATE_WAIT.',
      });
    }
    await sleep(Math.min(remaining, backoffMs(attempt, { baseMs: 50, capMs: 1_000 })));
  }
}

export async function releaseMigrationLock(client: pg.Client): Promise<void> {
  await client.query('SELECT pg_advisory_unlock($1::bigint)', [MIGRATE_LOCK_KEY]);
}
