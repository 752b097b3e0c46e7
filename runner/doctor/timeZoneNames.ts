/**
 * `doctor`'s verdict on what reading pg_timezone_names costs (pure). The view reads every zone
 * file of the server's tzdata on each call (nothing is cached per session); a distribution's
 * PostgreSQL built on the system tzdata (Debian's) lists twice the zones of PostgreSQL's own. A
 * procedure that reads it pays that once per call, unless it is IMMUTABLE: then the planner
 * computes it when the calling statement is planned, which for a call from PL/pgSQL is once per
 * session (PL/pgSQL keeps its plans), and once per statement from a statement planned each time.
 */
import type { Check } from './judge.js';

/** Above this, one read of pg_timezone_names is worth a warning. */
export const TIME_ZONE_NAMES_WARN_MS = 200;

export interface TimeZoneNamesFacts {
  /** Functions of the project's procedures (those for this server) that read pg_timezone_names, as installed (null: not yet). */
  readonly readers: readonly { readonly name: string; readonly volatility: 'immutable' | 'stable' | 'volatile' | null }[];
  /** Execution time of one SELECT count(*) FROM pg_timezone_names in doctor's session (null: no procedure reads it, so not measured). */
  readonly ms: number | null;
}

function paid(reader: TimeZoneNamesFacts['readers'][number]): string {
  switch (reader.volatility) {
    case 'immutable':
      return `${reader.name} reads it and is IMMUTABLE: computed when a statement calling it is planned, so once per session when called from PL/pgSQL (each worker's connection), not per batch`;
    case null:
      return `${reader.name} reads it (not installed yet)`;
    default:
      return `${reader.name} reads it and is ${reader.volatility.toUpperCase()}: computed on every call, so at least once per statement of every batch`;
  }
}

export function timeZoneNames(f: TimeZoneNamesFacts): Check {
  if (f.readers.length === 0 || f.ms === null)
    return { name: 'timezone names', level: 'ok', message: 'no procedure for this server reads pg_timezone_names', fix: '' };
  const message = `SELECT count(*) FROM pg_timezone_names took ${Math.round(f.ms)} ms here; ${f.readers.map(paid).join('; ')}`;
  if (f.ms <= TIME_ZONE_NAMES_WARN_MS) return { name: 'timezone names', level: 'ok', message, fix: '' };
  const perCall = f.readers.filter((r) => r.volatility === 'stable' || r.volatility === 'volatile').map((r) => r.name);
  return {
    name: 'timezone names',
    level: 'warn',
    message,
    fix: perCall.length
      ? `Declare ${perCall.join(', ')} IMMUTABLE (the list changes only with the server's tzdata) so that planning computes it once, or keep its result in a table.`
      : `Nothing per batch; a run pays it once per worker. Keep the readers' callers in PL/pgSQL (or prepared statements), whose plans are kept for the session.`,
  };
}
