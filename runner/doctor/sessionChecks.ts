/**
 * `doctor`'s verdicts on the session pgphase gets (pure): whether it may write, the settings that
 * change what it does, JIT, and the timeouts of the role or database. pgphase opens each of its
 * transactions with its own isolation level, `jit = off` and (in a run) its own timeouts
 * (runner/db/transaction.ts), so most of these are reported, not failed.
 */
import type { Check } from './judge.js';

/** Settings read from pg_settings as this login's sessions start with them. */
export const SESSION_SETTINGS = [
  'default_transaction_read_only',
  'default_transaction_isolation',
  'session_replication_role',
  'DateStyle',
  'timezone_abbreviations',
  'search_path',
  'TimeZone',
  'IntervalStyle',
  'extra_float_digits',
] as const;
export type SessionSetting = (typeof SESSION_SETTINGS)[number];

/** A value set by ALTER ROLE / ALTER DATABASE (pg_db_role_setting) that applies to this login here. */
export interface LevelSetting {
  readonly setting: string;
  readonly value: string;
  readonly scope: 'role in this database' | 'role' | 'database' | 'all roles';
}

export interface JitFacts {
  /** pg_jit_available(): a JIT provider loads (false too when jit is off). */
  readonly available: boolean;
  readonly on: boolean;
  readonly aboveCost: number;
  readonly inlineAboveCost: number;
  readonly optimizeAboveCost: number;
  /** Whether pgphase.isolate carries `SET jit = off` (null: not installed yet). */
  readonly isolateOff: boolean | null;
}

export interface SessionFacts {
  readonly user: string;
  readonly database: string;
  /** pg_is_in_recovery(): the server is a standby. */
  readonly inRecovery: boolean;
  /** The value each setting has in a new session of this login, and where it comes from (pg_settings.source). */
  readonly session: Readonly<Record<SessionSetting, { readonly value: string; readonly source: string }>>;
  /** Role- and database-level values of SESSION_SETTINGS for this login here. */
  readonly sessionLevels: readonly LevelSetting[];
  /** Role- and database-level statement_timeout, lock_timeout, idle_in_transaction_session_timeout. */
  readonly timeouts: readonly LevelSetting[];
  readonly jit: JitFacts;
}

const ident = (name: string) => (/^[a-z_][a-z0-9_$]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`);

const SOURCES: Readonly<Record<string, string>> = {
  'database user': 'set for this role in this database',
  user: 'set for this role',
  database: 'set for this database',
  global: 'set for all roles',
  'configuration file': "the server's configuration",
  client: 'PGOPTIONS or the connection options',
  default: 'the default',
};

const shown = (f: SessionFacts, name: SessionSetting) => `${name} = ${f.session[name].value} (${SOURCES[f.session[name].source] ?? f.session[name].source})`;

function resetStatement(f: SessionFacts, level: LevelSetting): string {
  const name = level.setting;
  switch (level.scope) {
    case 'role in this database':
      return `ALTER ROLE ${ident(f.user)} IN DATABASE ${ident(f.database)} RESET ${name};`;
    case 'role':
      return `ALTER ROLE ${ident(f.user)} RESET ${name};`;
    case 'database':
      return `ALTER DATABASE ${ident(f.database)} RESET ${name};`;
    case 'all roles':
      return `ALTER ROLE ALL RESET ${name};`;
  }
}

/**
 * The statements that give this login another value of `name` here (called when its value is
 * unwanted): a RESET of each role- or database-level value that is unwanted, or, when it comes
 * from the server's configuration, an override for this login only. None when it comes from the
 * client (PGOPTIONS, the connection options).
 */
function statementsFor(f: SessionFacts, name: SessionSetting, unwanted: (value: string) => boolean, wanted: string): string[] {
  const levels = f.sessionLevels.filter((l) => l.setting.toLowerCase() === name.toLowerCase() && unwanted(l.value));
  if (levels.length > 0) return levels.map((l) => resetStatement(f, l));
  if (f.session[name].source === 'client') return [];
  return [`ALTER ROLE ${ident(f.user)} IN DATABASE ${ident(f.database)} SET ${name} = ${wanted};`];
}

const isOn = (value: string) => /^(on|t|tr|tru|true|y|ye|yes|1)$/i.test(value.trim());

export function writable(f: SessionFacts): Check {
  if (f.inRecovery)
    return {
      name: 'writable',
      level: 'fail',
      message: 'the server is a standby (pg_is_in_recovery() is true): pgphase writes',
      fix: 'Point DATABASE_URL at the primary.',
    };
  if (isOn(f.session.default_transaction_read_only.value)) {
    const statements = statementsFor(f, 'default_transaction_read_only', isOn, 'off');
    return {
      name: 'writable',
      level: 'fail',
      message: `transactions of ${f.user} are read-only by default here: ${shown(f, 'default_transaction_read_only')}; pgphase writes, and does not override it`,
      fix:
        f.session.default_transaction_read_only.source === 'client'
          ? "Remove default_transaction_read_only from PGOPTIONS or the connection string's options."
          : 'Connect to the primary meant for writes, or, if this login is meant to write here, an administrator runs:',
      ...(statements.length ? { statements } : {}),
    };
  }
  return { name: 'writable', level: 'ok', message: `a primary, and ${f.user}'s transactions are read-write by default`, fix: '' };
}

interface Finding {
  readonly name: SessionSetting;
  readonly unwanted: (value: string) => boolean;
  readonly wanted: string;
  readonly effect: string;
}

/** Settings that change what pgphase does: a warning when a session of this login starts with one. */
const CHANGES: readonly Finding[] = [
  {
    name: 'session_replication_role',
    unwanted: (v) => v.trim().toLowerCase() !== 'origin',
    wanted: 'origin',
    effect: "ordinary triggers and foreign-key checks do not fire in pgphase's sessions",
  },
  {
    name: 'timezone_abbreviations',
    unwanted: (v) => v.trim().toLowerCase() !== 'default',
    wanted: `'Default'`,
    effect: 'text read as timestamptz with a zone abbreviation (IST, CST) is read by this set, not the Default one',
  },
];

/** Settings pgphase's results do not depend on (names are qualified, times read by explicit rules): shown when not PostgreSQL's default. */
const INDEPENDENT: readonly (readonly [SessionSetting, (value: string) => boolean])[] = [
  ['search_path', (v) => v.replace(/\s/g, '') !== '"$user",public'],
  ['TimeZone', (v) => !/^(etc\/)?(utc|uct|gmt|gmt0|universal|zulu)$/i.test(v)],
  // Every pgphase session asks for ISO output (runner/db/readableSession.ts): only the order can differ.
  ['DateStyle', (v) => !/\bMDY\b/i.test(v)],
  ['IntervalStyle', (v) => v !== 'postgres'],
  ['extra_float_digits', (v) => v !== '1'],
];

export function sessionSettings(f: SessionFacts): Check {
  const found = CHANGES.filter((c) => c.unwanted(f.session[c.name].value));
  const noted: string[] = [];
  if (f.session.default_transaction_isolation.value !== 'read committed')
    noted.push(`${shown(f, 'default_transaction_isolation')}: pgphase begins its transactions read committed`);
  const independent = INDEPENDENT.filter(([name, differs]) => differs(f.session[name].value));
  if (independent.length) noted.push(`${independent.map(([name]) => shown(f, name)).join(', ')}: pgphase's results do not depend on them`);
  const also = noted.length ? `; ${noted.join('; ')}` : '';
  if (found.length === 0)
    return { name: 'settings.session', level: 'ok', message: `no setting of ${f.user}'s sessions changes what pgphase does${also}`, fix: '' };
  const statements = found.flatMap((c) => statementsFor(f, c.name, c.unwanted, c.wanted));
  const client = found.filter((c) => f.session[c.name].source === 'client').map((c) => c.name);
  const fixes = [
    ...(client.length ? [`remove ${client.join(', ')} from PGOPTIONS or the connection string's options`] : []),
    ...(statements.length ? ['an administrator resets them for the deploy login:'] : []),
  ];
  return {
    name: 'settings.session',
    level: 'warn',
    message: `${found.map((c) => `${shown(f, c.name)}: ${c.effect}`).join('; ')}${also}`,
    fix: `${fixes.join('; ').replace(/^./, (c) => c.toUpperCase())}`,
    ...(statements.length ? { statements } : {}),
  };
}

export function jit(f: SessionFacts): Check {
  const j = f.jit;
  const isolate =
    j.isolateOff === null
      ? 'pgphase migrate sets jit = off on pgphase.isolate'
      : j.isolateOff
        ? 'pgphase.isolate runs with jit = off (a hand CALL of a step too)'
        : 'pgphase.isolate does not set jit = off yet (pgphase migrate adds it)';
  const state = !j.on
    ? `JIT is off for ${f.user}`
    : j.available
      ? `JIT is available and on for ${f.user} (jit_above_cost ${j.aboveCost}, jit_inline_above_cost ${j.inlineAboveCost}, jit_optimize_above_cost ${j.optimizeAboveCost})`
      : 'jit = on, but no JIT provider loads on this server';
  return {
    name: 'jit',
    level: 'ok',
    message: `${state}; pgphase turns it off for its own statements only: SET LOCAL jit = off in each of its transactions, and ${isolate}; the server's setting is untouched`,
    fix: '',
  };
}

export function timeouts(f: SessionFacts): Check {
  const set = f.timeouts.filter((t) => !['0', ''].includes(t.value.trim()));
  if (set.length === 0)
    return {
      name: 'settings.timeouts',
      level: 'ok',
      message: 'no role- or database-level statement_timeout, lock_timeout or idle_in_transaction_session_timeout',
      fix: '',
    };
  const list = set.map((t) => `${t.setting}=${t.value} (${t.scope})`).join(', ');
  return {
    name: 'settings.timeouts',
    level: 'warn',
    message:
      `${list} apply to this login's sessions. pgphase run sets its own statement_timeout, lock_timeout and idle_in_transaction_session_timeout, ` +
      'and migrate its own lock_timeout and statement_timeout, so a batch or a migration is not cut short by them; ' +
      "they do apply to generate, quarantine replay, blue-green verify, migrate's idle_in_transaction_session_timeout and this login's other sessions",
    fix: 'If those need longer, an administrator resets them for the deploy login:',
    statements: set.map((t) => resetStatement(f, t)),
  };
}
