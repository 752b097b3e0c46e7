/**
 * `pgphase doctor`'s verdicts (pure: facts in, checks out). Each check is `ok`, `warn` or `fail`
 * with the fix in one line; `fail` means a deploy would not work, `warn` that it would work with
 * a limit a DBA should know about.
 */
import { judgeVersion } from '../db/versionRule.js';
import { jit, type SessionFacts, sessionSettings, timeouts, writable } from './sessionChecks.js';
import { type TimeZoneNamesFacts, timeZoneNames } from './timeZoneNames.js';
import type { PoolerFacts } from '../db/pooler.js';
import type { StepProblem } from '../run/stepCheck.js';

export type Level = 'ok' | 'warn' | 'fail';

export interface Check {
  readonly name: string;
  readonly level: Level;
  readonly message: string;
  /** What to do, in one line (empty when ok). */
  readonly fix: string;
  /** Statements an administrator should run, when the fix is SQL. */
  readonly statements?: readonly string[];
}

export interface DoctorFacts extends SessionFacts {
  readonly versionNum: number;
  readonly superuser: boolean;
  readonly createRole: boolean;
  /** Schemas pgphase writes and whether this login may CREATE in each (null: the schema does not exist yet). */
  readonly schemaCreate: Readonly<Record<string, boolean | null>>;
  /** CREATE on the database (to create the schemas that do not exist yet). */
  readonly databaseCreate: boolean;
  /** Member of pg_read_all_stats (or superuser): sees other sessions in pg_stat_activity and pg_stat_replication. */
  readonly readAllStats: boolean;
  readonly maxConnections: number;
  /** Slots kept for superusers (and, on 16+, for pg_use_reserved_connections). */
  readonly reservedConnections: number;
  readonly connectionsInUse: number;
  /** The login's CONNECTION LIMIT (-1: none) and its sessions open now. */
  readonly roleConnLimit: number;
  readonly roleConnections: number;
  /** Workers `pgphase run` would start (its default, or --workers). */
  readonly workers: number;
  readonly timeZoneNames: TimeZoneNamesFacts;
  readonly pendingMigrations: readonly string[];
  readonly changedMigrations: readonly string[];
  readonly changedProcedures: readonly string[];
  readonly invalidIndexes: readonly string[];
  /** pgphase's own schema: absent (a fresh database), or present with these tables missing. */
  readonly frameworkSchema: { readonly present: boolean; readonly missingTables: readonly string[] };
  /** Statements migration 0008 left for an administrator (the login could not create roles). */
  readonly rolePending: readonly string[];
  /** Whether a transaction-mode pooler sits in front of the server (pooler.ts); absent: not asked. */
  readonly pooler?: PoolerFacts;
  /** The declared steps' problems (runner/run/stepCheck.ts); absent: no phases to check. */
  readonly steps?: readonly StepProblem[];
}

const ok = (name: string, message: string): Check => ({ name, level: 'ok', message, fix: '' });

function version(f: DoctorFacts): Check {
  const v = judgeVersion(f.versionNum);
  return { name: 'version', level: v.level, message: v.message, fix: v.fix };
}

function schemas(f: DoctorFacts): Check {
  const denied = Object.entries(f.schemaCreate)
    .filter(([, can]) => can === false)
    .map(([s]) => s);
  const absent = Object.entries(f.schemaCreate)
    .filter(([, can]) => can === null)
    .map(([s]) => s);
  if (denied.length > 0) {
    return {
      name: 'privileges.schemas',
      level: 'fail',
      message: `${f.user} may not create objects in schema ${denied.join(', ')}`,
      fix: `Migrate as the schemas' owner (or a member of pgphase_migrator), or GRANT CREATE ON SCHEMA ${denied.join(', ')} TO ${f.user}.`,
    };
  }
  if (absent.length > 0 && !f.databaseCreate) {
    return {
      name: 'privileges.schemas',
      level: 'fail',
      message: `${f.user} may not create the schemas ${absent.join(', ')} in this database`,
      fix: `GRANT CREATE ON DATABASE <this database> TO ${f.user}, or make ${f.user} its owner.`,
    };
  }
  return ok('privileges.schemas', `${f.user} may create in every schema pgphase writes${absent.length ? ` (and create ${absent.join(', ')})` : ''}`);
}

function roles(f: DoctorFacts): Check {
  if (f.rolePending.length > 0) {
    return {
      name: 'privileges.roles',
      level: 'warn',
      message: `the roles of migration 0008 were not created: ${f.user} may not create roles`,
      fix: 'An administrator runs these statements (as a superuser) in this database:',
      statements: f.rolePending,
    };
  }
  if (f.superuser || f.createRole) return ok('privileges.roles', `${f.user} may create roles${f.superuser ? ' (superuser)' : ' (CREATEROLE)'}`);
  return {
    name: 'privileges.roles',
    level: 'warn',
    message: `${f.user} may not create roles (neither superuser nor CREATEROLE)`,
    fix: 'migrate still completes; migration 0008 then records the role statements for an administrator (shown by status and doctor).',
  };
}

function monitoring(f: DoctorFacts): Check {
  if (f.readAllStats) return ok('privileges.monitoring', `${f.user} reads pg_stat_activity and pg_stat_replication of other sessions`);
  return {
    name: 'privileges.monitoring',
    level: 'warn',
    message: `${f.user} sees only its own sessions in pg_stat_activity and no replica details in pg_stat_replication`,
    fix: `GRANT pg_monitor TO ${f.user}; (as an administrator) so that health checks see replica lag and other sessions.`,
  };
}

function connections(f: DoctorFacts): Check {
  const free = f.maxConnections - f.reservedConnections - f.connectionsInUse;
  const roleFree = f.roleConnLimit < 0 ? Number.POSITIVE_INFINITY : f.roleConnLimit - f.roleConnections;
  const slots = Math.min(free, roleFree);
  const need = f.workers + 1; // the pool: one connection per worker, plus one for the ledger
  const where = `max_connections ${f.maxConnections}, ${f.reservedConnections} reserved, ${f.connectionsInUse} in use${f.roleConnLimit >= 0 ? `, ${f.user}'s CONNECTION LIMIT ${f.roleConnLimit} (${f.roleConnections} open)` : ''}`;
  if (slots < 2)
    return {
      name: 'connections',
      level: 'fail',
      message: `no room for a run: ${slots} free slot(s) (${where})`,
      fix: "Close idle sessions, or raise max_connections / the role's CONNECTION LIMIT.",
    };
  if (slots < need)
    return {
      name: 'connections',
      level: 'warn',
      message: `${slots} free slot(s) for ${need} connections of ${f.workers} workers (${where})`,
      fix: `Pass --workers ${Math.max(1, slots - 1)} to pgphase run, or raise max_connections.`,
    };
  return ok('connections', `${slots === Number.POSITIVE_INFINITY ? free : slots} free slots for ${need} connections of ${f.workers} workers (${where})`);
}

function migrations(f: DoctorFacts): Check {
  if (f.changedMigrations.length > 0)
    return {
      name: 'migrations',
      level: 'fail',
      message: `applied migration(s) changed since: ${f.changedMigrations.join(', ')}`,
      fix: 'Restore them as applied and put the change in a new migration.',
    };
  const parts = [];
  if (f.pendingMigrations.length)
    parts.push(
      `${f.pendingMigrations.length} pending migration(s) (${f.pendingMigrations.slice(0, 3).join(', ')}${f.pendingMigrations.length > 3 ? ', ...' : ''})`,
    );
  if (f.changedProcedures.length) parts.push(`${f.changedProcedures.length} procedure file(s) to (re-)apply`);
  if (parts.length) return { name: 'migrations', level: 'warn', message: parts.join(' and '), fix: 'Run pgphase migrate; pgphase status lists them.' };
  return ok('migrations', 'no pending migrations, procedures up to date');
}

function indexes(f: DoctorFacts): Check {
  if (f.invalidIndexes.length === 0) return ok('indexes', 'no INVALID index');
  return {
    name: 'indexes',
    level: 'warn',
    message: `INVALID index(es): ${f.invalidIndexes.join(', ')}`,
    fix: 'pgphase migrate rebuilds those its migrations build; REINDEX INDEX CONCURRENTLY the others.',
  };
}

function framework(f: DoctorFacts): Check {
  if (!f.frameworkSchema.present)
    return { name: 'pgphase schema', level: 'warn', message: 'schema pgphase is not installed yet (a fresh database)', fix: 'pgphase migrate installs it.' };
  if (f.frameworkSchema.missingTables.length)
    return {
      name: 'pgphase schema',
      level: 'fail',
      message: `schema pgphase lacks ${f.frameworkSchema.missingTables.join(', ')}`,
      fix: 'Run pgphase migrate to recreate its bookkeeping; restore the schema from a backup if it was dropped by hand.',
    };
  return ok('pgphase schema', 'schema pgphase is installed and complete');
}

/**
 * A transaction-mode pooler: pgphase run holds nothing across transactions (leases in the ledger,
 * timeouts SET LOCAL, no named prepared statements), so it works through one; `migrate` takes a
 * session advisory lock for its whole run, which such a pooler cannot keep.
 */
function pooler(f: DoctorFacts): Check | null {
  if (!f.pooler) return null;
  if (!f.pooler.transactionPooler) return ok('pooler', 'no transaction-mode pooler: one connection keeps its server session');
  return {
    name: 'pooler',
    level: 'warn',
    message:
      'a transaction-mode pooler is in front of the server (one connection got another server session between two transactions): ' +
      '`pgphase run` works through it (ownership is a lease in the ledger, timeouts are SET LOCAL per transaction, no named prepared statements); ' +
      '`pgphase migrate` holds a session advisory lock across its migrations, which the pooler hands to other clients',
    fix: 'Run `pgphase migrate` (and deploy) with DATABASE_URL pointing at the server or at a pool with pool_mode = session; keep the transaction pool for `pgphase run`.',
  };
}

/** Every declared step against the database: what `run` would refuse before recording a run. */
function steps(f: DoctorFacts): Check | null {
  if (!f.steps) return null;
  if (f.steps.length === 0) return ok('phases', 'every declared step has its source table, integer key and procedure, and its isolation declaration holds');
  return {
    name: 'phases',
    level: 'fail',
    message: f.steps.map((p) => `phase ${p.phase}, step ${p.source}: ${p.problem}`).join('; '),
    fix: [...new Set(f.steps.map((p) => p.hint))].join(' '),
  };
}

export function diagnose(f: DoctorFacts): { ok: boolean; checks: Check[] } {
  const checks = [
    version(f),
    writable(f),
    schemas(f),
    roles(f),
    monitoring(f),
    connections(f),
    timeouts(f),
    sessionSettings(f),
    jit(f),
    timeZoneNames(f.timeZoneNames),
    migrations(f),
    indexes(f),
    framework(f),
    steps(f),
    pooler(f),
  ].filter((c): c is Check => c !== null);
  return { ok: checks.every((c) => c.level !== 'fail'), checks };
}
