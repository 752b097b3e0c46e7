/**
 * Which PostgreSQL servers pgphase runs on (pure: no database). Every community-supported major,
 * 15 to 18; older servers are refused before anything is changed, newer ones are accepted with a
 * warning from `doctor` (not tested yet).
 */
import { UsageError } from '../errors.js';

export const MIN_MAJOR = 15;
export const MAX_TESTED_MAJOR = 18;

/** `150004` -> `15.4`, `180000` -> `18.0` (server_version_num as PostgreSQL reports it). */
export function versionName(versionNum: number): string {
  return `${Math.floor(versionNum / 10_000)}.${versionNum % 10_000}`;
}

export function majorOf(versionNum: number): number {
  return Math.floor(versionNum / 10_000);
}

export type VersionVerdict = { readonly level: 'ok' | 'warn' | 'fail'; readonly message: string; readonly fix: string };

export function judgeVersion(versionNum: number): VersionVerdict {
  const found = `PostgreSQL ${versionName(versionNum)}`;
  const major = majorOf(versionNum);
  if (!Number.isInteger(versionNum) || versionNum <= 0) {
    return {
      level: 'fail',
      message: `the server reported no usable server_version_num (${versionNum})`,
      fix: 'Point DATABASE_URL at a PostgreSQL server (15 to 18).',
    };
  }
  if (major < MIN_MAJOR) {
    return {
      level: 'fail',
      message: `${found} is not supported: pgphase runs on PostgreSQL ${MIN_MAJOR} to ${MAX_TESTED_MAJOR}`,
      fix: `Upgrade the server to PostgreSQL ${MIN_MAJOR} or newer (pg_upgrade), or point DATABASE_URL at one.`,
    };
  }
  if (major > MAX_TESTED_MAJOR) {
    return {
      level: 'warn',
      message: `${found} is newer than the versions pgphase is tested on (${MIN_MAJOR} to ${MAX_TESTED_MAJOR})`,
      fix: 'Run the test suite against it (TEST_DATABASE_URL) before relying on it.',
    };
  }
  return { level: 'ok', message: `${found} (supported: ${MIN_MAJOR} to ${MAX_TESTED_MAJOR})`, fix: '' };
}

/** Throws (exit code 2) when the server is older than the oldest supported major. */
export function assertSupportedVersion(versionNum: number): void {
  const verdict = judgeVersion(versionNum);
  if (verdict.level === 'fail') throw new UsageError(verdict.message, verdict.fix);
}

/**
 * A procedure file may start with `-- pgphase:server-version >= 16` (or `<`, `<=`, `>`, `=`) to
 * apply only on those majors: two files then define one object for two ranges of versions.
 */
export function versionCondition(text: string): { readonly op: string; readonly major: number } | undefined {
  const m = /^--\s*pgphase:server-version\s*(>=|<=|=|<|>)\s*(\d+)\s*$/m.exec(text.split('\n').slice(0, 5).join('\n'));
  return m ? { op: m[1]!, major: Number(m[2]) } : undefined;
}

export function appliesTo(text: string, major: number): boolean {
  const c = versionCondition(text);
  if (!c) return true;
  switch (c.op) {
    case '>=':
      return major >= c.major;
    case '<=':
      return major <= c.major;
    case '>':
      return major > c.major;
    case '<':
      return major < c.major;
    default:
      return major === c.major;
  }
}
