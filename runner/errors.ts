/**
 * One error module for pgphase. Every failure that reaches a user is a `PgphaseError` with an
 * exit code and, where it helps, a hint saying what to do. Library code throws these; only the
 * CLI's top-level handler turns them into a process exit code.
 */
import { classifySqlstate } from './sqlstates.js';

/** Documented exit codes of the `pgphase` CLI. */
export const EXIT = {
  ok: 0,
  /** The command finished, but something failed or is pending (failed partitions, pending migrations). */
  failed: 1,
  /** Bad usage or configuration: fix the command line or the environment. */
  usage: 2,
  /** The database could not be reached, or a lock could not be taken in time. */
  database: 3,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export class PgphaseError extends Error {
  readonly exitCode: ExitCode;
  readonly hint: string | undefined;
  readonly sqlstate: string | undefined;

  constructor(message: string, options: { exitCode?: ExitCode; hint?: string; cause?: unknown; sqlstate?: string } = {}) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.exitCode = options.exitCode ?? EXIT.failed;
    this.hint = options.hint;
    this.sqlstate = options.sqlstate ?? sqlstateOf(options.cause);
  }
}

/** Bad flags, environment or configuration. */
export class UsageError extends PgphaseError {
  constructor(message: string, hint?: string) {
    super(message, { exitCode: EXIT.usage, ...(hint ? { hint } : {}) });
  }
}

/** The server could not be reached or refused our credentials. */
export class ConnectionError extends PgphaseError {
  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, { exitCode: EXIT.database, ...options });
  }
}

/** A lock (advisory or relation) could not be taken within its timeout. */
export class LockTimeoutError extends PgphaseError {
  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, { exitCode: EXIT.database, ...options });
  }
}

/** A migration or procedure file is wrong: changed after it was applied, or fails to apply. */
export class MigrationError extends PgphaseError {
  readonly file: string | undefined;
  constructor(message: string, options: { file?: string; hint?: string; cause?: unknown } = {}) {
    super(message, options);
    this.file = options.file;
  }
}

export const LOCK_NOT_AVAILABLE = '55P03';
export const TOO_MANY_CONNECTIONS = '53300';
export const INSUFFICIENT_PRIVILEGE = '42501';
export const READ_ONLY_TRANSACTION = '25006';

/** Node's `new URL()` failure, e.g. a port out of range in DATABASE_URL (its message holds no URL). */
function isInvalidUrl(error: unknown): boolean {
  return error instanceof TypeError && (error as { code?: unknown }).code === 'ERR_INVALID_URL';
}

/** Node errors that mean the connection was lost rather than that the query was wrong. */
const CONNECTION_LOST_CODES: ReadonlySet<string> = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN']);
/** pg's messages when opening a connection took longer than its connectionTimeoutMillis. */
const CONNECT_TIMEOUT_MESSAGES = ['timeout expired', 'Connection terminated due to connection timeout', 'timeout exceeded when trying to connect'];
const CONNECTION_LOST_MESSAGES = [
  ...CONNECT_TIMEOUT_MESSAGES,
  'Connection terminated',
  'connection terminated',
  'Client has encountered a connection error',
  'terminating connection',
  'the database system is shutting down',
  'the database system is starting up',
  'Client was closed',
];

export function sqlstateOf(error: unknown): string | undefined {
  if (error && typeof error === 'object' && 'code' in error) {
    const code = (error as { code: unknown }).code;
    // Node's network codes (EPIPE...) look like SQLSTATEs; they are not.
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !CONNECTION_LOST_CODES.has(code)) return code;
  }
  return undefined;
}

/** Whether opening a connection timed out (a silent host, or one that accepts and never answers). */
export function isConnectTimeout(error: unknown): boolean {
  return error instanceof Error && sqlstateOf(error) === undefined && CONNECT_TIMEOUT_MESSAGES.some((m) => error.message.includes(m));
}

export function isConnectionLost(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && CONNECTION_LOST_CODES.has(code)) return true;
  return CONNECTION_LOST_MESSAGES.some((m) => error.message.includes(m));
}

/** Whether an error is worth retrying: a transient SQLSTATE (runner/sqlstates.ts) or a lost connection. */
export function isTransient(error: unknown): boolean {
  const state = sqlstateOf(error);
  if (state) return classifySqlstate(state) === 'transient';
  return isConnectionLost(error);
}

/** A value from the command line, quoted for an error message and cut to `max` characters. */
export function showInput(value: string, max = 40): string {
  return JSON.stringify(value.length > max ? `${value.slice(0, max)}…` : value) + (value.length > max ? ` (${value.length} characters)` : '');
}

/** Removes passwords from anything that might carry a connection string. */
export function redact(text: string): string {
  return text.replace(/(postgres(?:ql)?:\/\/[^:/?#\s@]*:)[^@\s]*@/gi, '$1***@').replace(/(password\s*=\s*)('[^']*'|\S+)/gi, '$1***');
}

/**
 * Maps a raw error from `pg` or the network to a `PgphaseError` a DBA can act on. Errors that
 * are already `PgphaseError`s pass through.
 */
export function wrapError(error: unknown, context?: string): PgphaseError {
  if (error instanceof PgphaseError) return error;
  const raw = error instanceof Error ? error.message : String(error);
  const message = redact(context ? `${context}: ${raw}` : raw);
  const state = sqlstateOf(error);
  if (state === '28P01' || state === '28000') {
    return new ConnectionError(message, {
      cause: error,
      hint: 'Check the user and password in DATABASE_URL.',
    });
  }
  if (state === '3D000') {
    return new ConnectionError(message, {
      cause: error,
      hint: 'The database in DATABASE_URL does not exist: create it, or point DATABASE_URL elsewhere.',
    });
  }
  if (state === LOCK_NOT_AVAILABLE) {
    return new LockTimeoutError(message, {
      cause: error,
      hint: 'Another session holds a conflicting lock; find it in pg_locks / pg_stat_activity, or raise the lock timeout.',
    });
  }
  if (state === TOO_MANY_CONNECTIONS) {
    return new ConnectionError(message, {
      cause: error,
      hint: "The server (or this role) has no connection slot left: close idle sessions, pass fewer --workers, or raise max_connections / the role's CONNECTION LIMIT.",
    });
  }
  if (state === INSUFFICIENT_PRIVILEGE) {
    return new PgphaseError(message, {
      cause: error,
      exitCode: EXIT.usage,
      hint: 'The role in DATABASE_URL lacks this privilege. `migrate` needs the owner of the schemas (a member of pgphase_migrator); `run` and `quarantine` need a member of pgphase_runner; `status` reads schema pgphase. See migrations/0008_roles.sql.',
    });
  }
  if (state === READ_ONLY_TRANSACTION) {
    return new PgphaseError(message, {
      cause: error,
      exitCode: EXIT.usage,
      hint: 'DATABASE_URL points at a read-only server (a standby?) or a read-only default transaction: point it at the primary.',
    });
  }
  if (isInvalidUrl(error)) {
    return new UsageError(
      'DATABASE_URL is not a valid connection URL (postgres://user:password@host:port/database)',
      'Percent-encode special characters in the user and password (encodeURIComponent).',
    );
  }
  if (state === '3F000' || state === '42P01') {
    return new PgphaseError(message, {
      cause: error,
      exitCode: EXIT.usage,
      hint: 'The schema looks incomplete: run `pgphase migrate` first.',
    });
  }
  if (isConnectTimeout(error)) {
    return new ConnectionError(message, {
      cause: error,
      hint: 'The server did not answer within PGPHASE_CONNECT_TIMEOUT (default 10s): check the host and port in DATABASE_URL and any firewall or proxy in between, or raise PGPHASE_CONNECT_TIMEOUT for a slow link.',
    });
  }
  if ((state && state.startsWith('08')) || isConnectionLost(error)) {
    return new ConnectionError(message, {
      cause: error,
      hint: 'Is the server running and reachable? Check DATABASE_URL (host, port) and the server log.',
    });
  }
  return new PgphaseError(message, { cause: error });
}
