/**
 * The SQLSTATEs pgphase acts on, in one table, each in one class (slonik's wrapError, graphile-
 * worker's named code sets). A two-character entry stands for a whole SQLSTATE class; an exact
 * code wins over its class. Every code not listed is `data`: the record's or the code's fault
 * (a constraint, a cast, an exception a procedure raised).
 *   transient      retried after a backoff (runner/plan/retryPolicy.ts); `endsSession` ones also
 *                  replace the connection (runner/run/connection.ts)
 *   smaller_batch  the batch was too big for the server: retried as two halves
 *   privilege      the role lacks a grant: stop, and say which role is needed
 *   read_only      a standby or a read-only transaction: stop, point at the primary
 *   configuration  the server, schema or installation is not as pgphase expects: stop
 *   data           the only class the isolation driver quarantines a record for; it re-raises
 *                  every other one (pgphase.sqlstate_class, runner/framework/schema/0005_*.sql,
 *                  which test/integration/isolationDriver.test.ts checks against this table)
 * Pure: no database handle.
 */
export type SqlstateClass = 'transient' | 'smaller_batch' | 'privilege' | 'read_only' | 'configuration' | 'data';

export interface SqlstateEntry {
  readonly code: string;
  readonly name: string;
  readonly class: Exclude<SqlstateClass, 'data'>;
  /** The server ended the session (the connection must be replaced). */
  readonly endsSession?: boolean;
}

export const SQLSTATES: readonly SqlstateEntry[] = [
  { code: '08', name: 'connection_exception', class: 'transient', endsSession: true },
  { code: '40001', name: 'serialization_failure', class: 'transient' },
  { code: '40P01', name: 'deadlock_detected', class: 'transient' },
  { code: '55P03', name: 'lock_not_available', class: 'transient' },
  { code: '57P01', name: 'admin_shutdown', class: 'transient', endsSession: true },
  { code: '57P02', name: 'crash_shutdown', class: 'transient', endsSession: true },
  { code: '57P03', name: 'cannot_connect_now', class: 'transient', endsSession: true },
  { code: '57P05', name: 'idle_session_timeout', class: 'transient', endsSession: true },
  { code: '57P04', name: 'database_dropped', class: 'configuration', endsSession: true },
  { code: '53300', name: 'too_many_connections', class: 'transient' },
  { code: '57014', name: 'query_canceled', class: 'smaller_batch' },
  { code: '53200', name: 'out_of_memory', class: 'smaller_batch' },
  { code: '54000', name: 'program_limit_exceeded', class: 'smaller_batch' },
  { code: '42501', name: 'insufficient_privilege', class: 'privilege' },
  { code: '25006', name: 'read_only_sql_transaction', class: 'read_only' },
  { code: '53', name: 'insufficient_resources', class: 'configuration' },
  { code: '57', name: 'operator_intervention', class: 'configuration' },
  { code: '58', name: 'system_error', class: 'configuration' },
  { code: 'XX', name: 'internal_error', class: 'configuration' },
  { code: '28', name: 'invalid_authorization_specification', class: 'configuration' },
  { code: '3D000', name: 'invalid_catalog_name', class: 'configuration' },
  { code: '3F000', name: 'invalid_schema_name', class: 'configuration' },
  { code: '42P01', name: 'undefined_table', class: 'configuration' },
  { code: '42703', name: 'undefined_column', class: 'configuration' },
  { code: '42883', name: 'undefined_function', class: 'configuration' },
];

const BY_CODE = new Map(SQLSTATES.map((e) => [e.code, e]));

/** The table's entry for a code (exact, else its class), if any. */
export function sqlstateEntry(code: string): SqlstateEntry | undefined {
  return BY_CODE.get(code) ?? BY_CODE.get(code.slice(0, 2));
}

export function classifySqlstate(code: string): SqlstateClass {
  return sqlstateEntry(code)?.class ?? 'data';
}

export function endsSession(code: string): boolean {
  return sqlstateEntry(code)?.endsSession === true;
}
