/**
 * A pinned pool connection that is replaced when it breaks, and `withTransientRetry`, which
 * retries an operation on it through transient failures (lost connection, server restart,
 * deadlock...) with capped, jittered backoff, within a number of attempts and a deadline.
 */
import type pg from 'pg';
import { isConnectionLost, sqlstateOf } from '../errors.js';
import { endsSession } from '../sqlstates.js';
import { decideRetry } from '../plan/retryPolicy.js';
import type { RunStats } from './stats.js';
import { sleep } from '../sleep.js';

export interface RetrySettings {
  readonly maxAttempts: number;
  readonly baseMs: number;
  readonly capMs: number;
  /** How long one operation (or one batch) may keep retrying, in ms. */
  readonly deadlineMs: number;
}

/** Whether an error means the session is gone (so the connection must be replaced). */
export function sessionLost(error: unknown): boolean {
  const state = sqlstateOf(error);
  return isConnectionLost(error) || Boolean(state && endsSession(state));
}

/** The SQLSTATE to record for an error; lost connections count as 08006. */
export function recordedState(error: unknown): string {
  return sqlstateOf(error) ?? (isConnectionLost(error) ? '08006' : 'XX000');
}

export class PinnedConnection {
  private client: pg.PoolClient | undefined;
  constructor(
    private readonly pool: pg.Pool,
    private readonly stats: RunStats,
  ) {}

  async get(): Promise<pg.PoolClient> {
    if (!this.client) {
      this.client = await this.pool.connect();
      // A checked-out client that loses its server between queries emits 'error'; without a
      // listener that would crash the process. The next query fails and is retried instead.
      if (this.client.listenerCount('error') === 0) this.client.on('error', () => {});
      this.stats.connectionOpened();
    }
    return this.client;
  }

  /** Destroys a broken connection; the next `get` opens a new one. */
  discard(): void {
    if (this.client) {
      this.client.release(true);
      this.stats.connectionClosed();
    }
    this.client = undefined;
  }

  release(): void {
    if (this.client) {
      this.client.release();
      this.stats.connectionClosed();
    }
    this.client = undefined;
  }
}

export async function withTransientRetry<T>(
  conn: PinnedConnection,
  retry: RetrySettings,
  stats: RunStats,
  op: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const deadlineAt = Date.now() + retry.deadlineMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await op(await conn.get());
    } catch (error) {
      const decision = decideRetry(error, { attempt: attempt + 1, maxAttempts: retry.maxAttempts, deadlineAt, now: Date.now(), backoff: retry });
      if (decision.action !== 'retry') throw error;
      if (sessionLost(error)) conn.discard();
      stats.retry(recordedState(error));
      await sleep(decision.delayMs);
    }
  }
}
