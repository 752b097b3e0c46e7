/**
 * Is a transaction-mode pooler (PgBouncer, pgcat, Odyssey, RDS Proxy) between pgphase and the
 * server? Asked the way a pooler shows itself: one connection's server session changes between
 * two of its transactions. Connection A reads its backend pid; connection B opens a transaction
 * and holds it (a transaction pooler hands B the session A just gave back, as PgBouncer does);
 * A reads its pid again. Directly on the server, or through a session-mode pool, both reads of
 * A agree and B's pid differs. Two extra short connections; nothing is changed.
 *
 * `doctor` reports it; `migrate` and `down` refuse such a pooler (requireOwnSession).
 */
import type pg from 'pg';
import { connect } from './database.js';
import { EXIT, PgphaseError } from '../errors.js';

export interface PoolerFacts {
  /** A's server session changed between two of its transactions (or B got A's session). */
  readonly transactionPooler: boolean;
  readonly pids: readonly number[];
}

export async function detectPooler(url: string, applicationName = 'pgphase doctor', timeoutMs?: number): Promise<PoolerFacts> {
  const a = await connect(url, applicationName, timeoutMs);
  let b: pg.Client | null = null;
  try {
    const pid = async (c: pg.Client) => (await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    const first = await pid(a);
    b = await connect(url, applicationName, timeoutMs);
    await b.query('BEGIN');
    const other = await pid(b);
    const second = await pid(a);
    await b.query('ROLLBACK');
    return { transactionPooler: first !== second || other === first, pids: [first, other, second] };
  } finally {
    await b?.end().catch(() => {});
    await a.end().catch(() => {});
  }
}

/**
 * `migrate` needs one server session for its whole run: the one-migrator advisory lock, the
 * session's role, timeouts and isolation, and `CREATE INDEX CONCURRENTLY`, which runs outside any
 * transaction and so cannot take its timeouts with SET LOCAL. Behind a transaction-mode pooler the
 * lock would be held by (and released on) whichever server session the pooler picked, and the
 * settings would stay on server sessions that other clients get next — another application's
 * queries running as the migrator role with its timeouts. So it refuses, before it sets anything.
 */
export async function requireOwnSession(url: string, command: string, timeoutMs?: number): Promise<void> {
  const facts = await detectPooler(url, `pgphase ${command}`, timeoutMs);
  if (!facts.transactionPooler) return;
  throw new PgphaseError(
    `DATABASE_URL goes through a transaction-mode pooler (one connection got server sessions ${facts.pids[0]} and ${facts.pids[2]} in two transactions): ` +
      `pgphase ${command} needs one server session for its whole run (its one-migrator lock, role and timeouts), and through this pooler they would be left on sessions other clients get`,
    {
      exitCode: EXIT.usage,
      hint:
        `Run pgphase ${command} with DATABASE_URL pointing at the server itself or at a pool with pool_mode = session ` +
        '(PgBouncer: a second [databases] entry with pool_mode=session); keep the transaction pool for `pgphase run`.',
    },
  );
}
