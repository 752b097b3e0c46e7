/**
 * Every transaction pgphase opens chooses its own session state rather than inherit the server's,
 * the database's or the role's defaults (a DBA may make serializable the default, or set a short
 * statement_timeout on the role), and does so per transaction (SET LOCAL), which a connection
 * pooler in transaction mode keeps, where a startup parameter or a session SET does not:
 * - read committed, the level pgphase's protocol is built on (a batch's writes and its ledger row
 *   commit together; partitions are claimed with SKIP LOCKED; a split waits on the batch's lock);
 *   a step may ask for another;
 * - `jit = off`: pgphase's statements are many, short and planned with enable_seqscan and
 *   enable_nestloop off, whose cost penalty on PostgreSQL 15-17 puts every plan past
 *   jit_above_cost, so a JIT-enabled server compiles (with inlining and optimisation) every
 *   statement of every batch; the server's setting is untouched for everything else;
 * - the timeouts the caller relies on, when it gives them (the runner's pool does, per client);
 * - `pgphase.force_per_record` when a run measures the per-record path (`run --force-per-record`).
 */
import type pg from 'pg';

export type IsolationLevel = 'read committed' | 'repeatable read' | 'serializable';

export interface TransactionSettings {
  readonly isolation?: IsolationLevel;
  readonly statementTimeoutMs?: number;
  readonly lockTimeoutMs?: number;
  readonly idleInTransactionTimeoutMs?: number;
  /** Sets pgphase.force_per_record = on (pgphase.isolate's per-record path, for measurement). */
  readonly forcePerRecord?: boolean;
}

const ISOLATION: Readonly<Record<IsolationLevel, string>> = {
  'read committed': 'READ COMMITTED',
  'repeatable read': 'REPEATABLE READ',
  serializable: 'SERIALIZABLE',
};

/** Settings a pool gives each of its clients (the runner's timeouts), used by every transaction on that client. */
const clientSettings = new WeakMap<pg.ClientBase, TransactionSettings>();

export function setClientTransactionSettings(client: pg.ClientBase, settings: TransactionSettings): void {
  clientSettings.set(client, settings);
}

function milliseconds(name: string, value: number | undefined): string {
  if (value === undefined) return '';
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`${name} must be a whole number of milliseconds, not ${value}`);
  return ` SET LOCAL ${name} = ${value};`;
}

/** The statement that opens a transaction with pgphase's own session state (one round trip). */
export function beginStatement(settings: TransactionSettings = {}): string {
  return (
    `BEGIN ISOLATION LEVEL ${ISOLATION[settings.isolation ?? 'read committed']}; SET LOCAL jit = off;` +
    milliseconds('statement_timeout', settings.statementTimeoutMs) +
    milliseconds('lock_timeout', settings.lockTimeoutMs) +
    milliseconds('idle_in_transaction_session_timeout', settings.idleInTransactionTimeoutMs) +
    (settings.forcePerRecord ? ' SET LOCAL pgphase.force_per_record = on;' : '')
  );
}

/**
 * Runs `fn` in a transaction on `client`: COMMIT when it resolves, ROLLBACK when it throws.
 * `settings` add to (and override) those the client was given by its pool.
 */
export async function transaction<T>(client: pg.ClientBase, fn: () => Promise<T>, settings: TransactionSettings = {}): Promise<T> {
  try {
    await client.query(beginStatement({ ...clientSettings.get(client), ...settings }));
    const result = await fn();
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}
