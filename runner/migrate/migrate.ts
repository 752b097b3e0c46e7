/**
 * `migrate` and `down`: node-pg-migrate's programmatic runner, wrapped with what a deploy
 * pipeline needs beyond it:
 * - one migrator at a time (an advisory lock with a bounded wait, see migrationLock.ts), in a
 *   server session of its own: a transaction-mode pooler is refused (runner/db/pooler.ts);
 * - `statement_timeout` on every migration, and the lock ladder (runner/db/lockRetry.ts): each
 *   pass waits a small `lock_timeout` for its DDL's locks, so a long reader costs the readers
 *   queued behind that DDL little, and a pass that times out is retried with a longer one (each
 *   migration is its own transaction, so a retry starts clean and skips what already committed);
 * - applied files checksummed, a changed one refused by name;
 * - INVALID indexes left by an interrupted `CREATE INDEX CONCURRENTLY` rebuilt;
 * - repeatable procedures applied afterwards when their checksum changed.
 */
import { runner } from 'node-pg-migrate';
import type pg from 'pg';
import { type Config, lockLadder } from '../config.js';
import { connect } from '../db/database.js';
import { LockLadderExhausted, withLockRetries } from '../db/lockRetry.js';
import { LOCK_NOT_AVAILABLE, LockTimeoutError, MigrationError, PgphaseError, sqlstateOf, wrapError } from '../errors.js';
import { silentLog, type Log } from '../log.js';
import { repairInvalidIndexes } from './invalidIndexes.js';
import { sqlLoaderStrategy } from './loader.js';
import { type FrameworkFile, installFramework } from '../framework/install.js';
import { appliedMigrations, ensureMeta, META_SCHEMA, MIGRATIONS_TABLE } from './meta.js';
import { checksumAccepted, type MigrationFile } from './migrationFile.js';
import { readMigrationsFrom } from './readMigrationsFrom.js';
import { reapplyMarker } from './reapply.js';
import { downCountTo, pendingThrough } from './target.js';
import { acquireMigrationLock, releaseMigrationLock } from './migrationLock.js';
import { checkServerVersion } from '../db/serverVersion.js';
import { checkWritable } from '../db/writable.js';
import { requireOwnSession } from '../db/pooler.js';
import { majorOf } from '../db/versionRule.js';
import { applyProcedures, describeSqlError, forServer, readProcedures } from './procedures.js';

export interface MigrateOptions {
  readonly url: string;
  readonly config: Config;
  readonly log?: Log;
  /** Stop at this migration (`--to`): up applies through it; down keeps it applied. */
  readonly to?: string;
  /** For tests: injected sleep of the lock ladder. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** For tests: the framework files to install (default: all of runner/framework/schema), e.g. an older pgphase's. */
  readonly framework?: readonly FrameworkFile[];
}

export interface MigrateResult {
  readonly applied: string[];
  readonly procedures: string[];
  readonly repairedIndexes: string[];
  /** How many times the ladder retried after a lock timeout. */
  readonly lockRetries: number;
}

/** Refuses to go on when an applied file changed; records checksums of files applied without one. */
export async function verifyChecksums(client: pg.Client, files: readonly MigrationFile[], log: Log): Promise<void> {
  const applied = await appliedMigrations(client);
  const changed: string[] = [];
  for (const [name, row] of applied) {
    const file = files.find((f) => f.name === name);
    if (!file) continue; // node-pg-migrate reports a deleted applied migration itself
    if (row.checksum === null) {
      log.warn(`migration ${name} was applied without a checksum; recording the current file's`);
      await client.query('INSERT INTO pgphase.migration_checksums (name, checksum) VALUES ($1, $2)', [name, file.checksum]);
    } else if (row.checksum !== file.checksum && checksumAccepted(file, row.checksum)) {
      log.info(
        `migration ${name} was applied in an earlier version that this file replaces (pgphase:replaces-checksum); recording the current file's checksum`,
      );
      await client.query('UPDATE pgphase.migration_checksums SET checksum = $2 WHERE name = $1', [name, file.checksum]);
    } else if (row.checksum !== file.checksum) {
      changed.push(file.path);
    }
  }
  if (changed.length > 0) {
    throw new MigrationError(`applied migration${changed.length > 1 ? 's were' : ' was'} changed after being applied: ${changed.join(', ')}`, {
      file: changed[0],
      hint: 'Applied migrations are append-only: restore the file as it was applied and put the change in a new migration.',
    });
  }
}

/**
 * The migration session's own state, whatever the role or database defaults: node-pg-migrate and
 * the framework open their transactions with a bare BEGIN, which then reads committed, without JIT
 * (see runner/db/transaction.ts). A session setting: this session holds the migration lock anyway.
 */
async function chooseSessionState(client: pg.Client): Promise<void> {
  await client.query(`SELECT set_config('default_transaction_isolation', 'read committed', false), set_config('jit', 'off', false)`);
}

/** The session's timeouts; `lockTimeoutMs` is a pass's budget on the ladder, else the configured cap. */
async function setSessionTimeouts(client: pg.Client, config: Config, lockTimeoutMs = config.lockTimeoutMs): Promise<void> {
  await client.query(
    `SELECT set_config('lock_timeout', $1, false), set_config('statement_timeout', $2, false),
            CASE WHEN $3::text IS NOT NULL THEN set_config('pgphase.migrator_role', $3, false) END,
            CASE WHEN $4::text IS NOT NULL THEN set_config('pgphase.runner_role', $4, false) END`,
    [`${lockTimeoutMs}ms`, `${config.statementTimeoutMs}ms`, config.roles?.migrator ?? null, config.roles?.runner ?? null],
  );
}

function runnerLogger(log: Log, current: { name?: string }) {
  return {
    debug: (m: string) => log.debug(m),
    info: (m: string) => {
      const match = /### MIGRATION (.+) \((UP|DOWN)\) ###/.exec(m);
      if (match) {
        current.name = match[1];
        log.info(`${match[2] === 'UP' ? 'applying' : 'reverting'} ${match[1]}`);
      } else log.debug(m);
    },
    warn: (m: string) => (/not wrapped in a transaction/.test(m) ? log.debug(m) : log.warn(m)),
    error: (m: string) => log.debug(m),
  };
}

function failure(error: unknown, files: readonly MigrationFile[], name: string | undefined, direction: 'up' | 'down'): PgphaseError {
  if (error instanceof PgphaseError) return error;
  const file = files.find((f) => f.name === name);
  const state = sqlstateOf(error);
  if (file && state) {
    const section = direction === 'up' ? file.up : file.down;
    const e = error as { position?: string };
    const shifted =
      e.position && section ? { ...(error as object), message: (error as Error).message, position: String(Number(e.position) + section.offset) } : error;
    const message = `migration ${file.name} failed (SQLSTATE ${state}): ${describeSqlError(file.path, file.text, shifted)}`;
    if (state === LOCK_NOT_AVAILABLE) {
      return new LockTimeoutError(message, {
        cause: error,
        hint: 'A conflicting lock was held longer than the lock ladder allows; find the blocker in pg_stat_activity and try again, or raise PGPHASE_LOCK_RETRIES / PGPHASE_LOCK_DEADLINE (a longer PGPHASE_LOCK_TIMEOUT makes every reader queued behind the migration wait longer).',
      });
    }
    return new MigrationError(message, {
      file: file.path,
      cause: error,
      hint: 'The migration was rolled back (unless it is a -- no-transaction file); fix it and run migrate again.',
    });
  }
  return wrapError(error, name ? `migration ${name} failed` : 'migration failed');
}

async function withMigrationLock<T>(options: MigrateOptions, command: 'migrate' | 'down', fn: (client: pg.Client, log: Log) => Promise<T>): Promise<T> {
  const log = options.log ?? silentLog;
  const client = await connect(options.url, 'pgphase migrate', options.config.connectTimeoutMs || undefined);
  try {
    await checkServerVersion(client);
    await checkWritable(client);
    await requireOwnSession(options.url, command, options.config.connectTimeoutMs || undefined);
    await chooseSessionState(client);
    await acquireMigrationLock(client, options.config.migrateWaitMs);
    try {
      await ensureMeta(client);
      await installFramework(client, options.framework);
      return await fn(client, log);
    } finally {
      await client.query('ROLLBACK').catch(() => {});
      await releaseMigrationLock(client).catch(() => {});
    }
  } catch (error) {
    throw wrapError(error);
  } finally {
    await client.end().catch(() => {});
  }
}

function runnerOptions(client: pg.Client, config: Config, files: readonly MigrationFile[], log: Log, current: { name?: string }) {
  return {
    dbClient: client,
    dir: config.migrationsDir,
    ignorePattern: '(\\..*)|(.*\\.(md|txt))',
    migrationsSchema: META_SCHEMA,
    migrationsTable: MIGRATIONS_TABLE,
    noLock: true,
    singleTransaction: false,
    checkOrder: true,
    migrationLoaderStrategies: [sqlLoaderStrategy(files, config)],
    logger: runnerLogger(log, current),
  };
}

/** Applies pending migrations, then changed procedures. */
export async function migrate(options: MigrateOptions): Promise<MigrateResult> {
  const { config } = options;
  const files = await readMigrationsFrom(config);
  const procedures = await readProcedures(config.proceduresDir);
  return withMigrationLock(options, 'migrate', async (client, log) => {
    await verifyChecksums(client, files, log);
    const before = new Set((await appliedMigrations(client)).keys());
    const repairedIndexes: string[] = [];
    const current: { name?: string } = {};
    let lockRetries: number;
    try {
      const passes = await withLockRetries(
        async (lockTimeoutMs) => {
          current.name = undefined;
          try {
            // Rebuilding an index concurrently queues no reader behind it: it may wait up to the cap.
            await setSessionTimeouts(client, config);
            const done = new Set((await appliedMigrations(client)).keys());
            repairedIndexes.push(...(await repairInvalidIndexes(client, files, done, config.concurrentStatementTimeoutMs, log)));
            await setSessionTimeouts(client, config, lockTimeoutMs);
            const count = options.to === undefined ? undefined : pendingThrough(files, done, options.to).length;
            if (count !== 0) await runner({ ...runnerOptions(client, config, files, log, current), direction: 'up', ...(count ? { count } : {}) });
          } catch (error) {
            await client.query('ROLLBACK').catch(() => {});
            throw error;
          }
        },
        {
          ladder: lockLadder(config, config.lockTimeoutMs),
          what: () => `migration ${current.name ?? ''}`.trim(),
          log,
          ...(options.sleep ? { sleep: options.sleep } : {}),
        },
      );
      lockRetries = passes.attempts.length - 1;
    } catch (error) {
      throw failure(error instanceof LockLadderExhausted ? error.lastError : error, files, current.name, 'up');
    }
    // Each migration commits on its own, so earlier attempts of the ladder may have applied some.
    const applied = [...(await appliedMigrations(client)).keys()].filter((name) => !before.has(name));
    if (applied.length > 0) await client.query('DELETE FROM pgphase.procedure_checksums');
    await setSessionTimeouts(client, config);
    const major = majorOf(await checkServerVersion(client));
    const appliedProcedures = await applyProcedures(client, forServer(procedures, major), config.lockTimeoutMs, log);
    return { applied, procedures: appliedProcedures, repairedIndexes, lockRetries };
  });
}

/** Reverts the last `count` applied migrations (default 1). */
export async function down(options: MigrateOptions & { count?: number }): Promise<{ reverted: string[] }> {
  const { config } = options;
  const files = await readMigrationsFrom(config);
  return withMigrationLock(options, 'down', async (client, log) => {
    await verifyChecksums(client, files, log);
    await setSessionTimeouts(client, config);
    const current: { name?: string } = {};
    try {
      const count = options.to === undefined ? (options.count ?? 1) : downCountTo([...(await appliedMigrations(client)).keys()], options.to);
      if (count === 0) return { reverted: [] };
      const ran = await runner({ ...runnerOptions(client, config, files, log, current), direction: 'down', count });
      // Reverting may drop the schemas procedures live in: re-apply them all on the next migrate,
      // recording why, so that status does not call them changed.
      if (ran.length > 0) {
        const reason = `after \`down\` reverted ${ran.map((m) => m.name).join(', ')}`;
        await client.query('UPDATE pgphase.procedure_checksums SET checksum = $1', [reapplyMarker(reason)]);
      }
      return { reverted: ran.map((m) => m.name) };
    } catch (error) {
      throw failure(error, files, current.name, 'down');
    }
  });
}
