/**
 * Is a transaction-mode pooler (PgBouncer, pgcat, Odyssey, RDS Proxy) between pgphase and the
 * server? Asked the way a pooler shows itself: one connection's server session changes between
 * two of its transactions. Connection A reads its backend pid; connection B opens a transaction
 * and holds it (a transaction pooler hands B the session A just gave back, as PgBouncer does);
 * A reads its pid again. Directly on the server, or through a session-mode pool, both reads of
 * A agree and B's pid differs. Two extra short connections; nothing is changed.
 */
import type pg from 'pg';
import { connect } from '../db/database.js';

export interface PoolerFacts {
  /** A's server session changed between two of its transactions (or B got A's session). */
  readonly transactionPooler: boolean;
  readonly pids: readonly number[];
}

export async function detectPooler(url: string): Promise<PoolerFacts> {
  const a = await connect(url, 'pgphase doctor');
  let b: pg.Client | null = null;
  try {
    const pid = async (c: pg.Client) => (await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    const first = await pid(a);
    b = await connect(url, 'pgphase doctor');
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
