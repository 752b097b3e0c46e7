/**
 * Configuration in two stages: raw input (environment and flags) is untrusted; `parseConfig`
 * turns it into one typed, readonly `Config`, reporting every error at once. Each option's
 * default is declared here, next to its environment variable.
 */
import { resolve } from 'node:path';
import { z } from 'zod';
import { UsageError } from './errors.js';
import type { LockLadder } from './plan/lockLadder.js';
import { RUN_DEFAULTS } from './run/runDefaults.js';

const UNITS: Record<string, number> = { ms: 1, s: 1000, min: 60_000, m: 60_000, h: 3_600_000 };

/** Parses `500`, `500ms`, `5s`, `10min`, `1h` into milliseconds; `0` means no limit. */
export function parseDuration(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|min|m|h)?\s*$/.exec(text);
  if (!match) return undefined;
  return Math.round(Number(match[1]) * UNITS[match[2] ?? 'ms']!);
}

const duration = z.union([z.number().int().nonnegative(), z.string()]).transform((value, ctx) => {
  const ms = typeof value === 'number' ? value : parseDuration(value);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `not a duration: ${JSON.stringify(value)} (use 500ms, 5s, 10min)` });
    return z.NEVER;
  }
  return ms;
});
const count = z.coerce.number().int().nonnegative();

const schema = z
  .object({
    /** DATABASE_URL: the server to use. Unset: an embedded PostgreSQL under `home`. */
    databaseUrl: z.string().min(1).optional(),
    /**
     * PGPHASE_EMBEDDED: may pgphase start its embedded PostgreSQL when DATABASE_URL is unset?
     * `on` (1, true): yes, in CI too; `off` (0, false): never, DATABASE_URL is required; `ci`
     * (set by configFromEnv when CI is set and PGPHASE_EMBEDDED is not): no, with an error saying
     * how to ask for it. Unset elsewhere: yes.
     */
    embedded: z.enum(['on', 'off', 'ci']).optional(),
    /** PGPHASE_HOME: where the embedded server keeps its data and log. Default `./.pgphase`. */
    home: z.string().default('.pgphase'),
    /** PGPHASE_MIGRATIONS_DIR: versioned migrations. Default `./migrations`. */
    migrationsDir: z.string().default('migrations'),
    /** PGPHASE_PROCEDURES_DIR: repeatable procedures. Default `./procedures`. */
    proceduresDir: z.string().default('procedures'),
    /** PGPHASE_LOCK_TIMEOUT: the longest one attempt of a migration waits for a lock (attempts start at 100ms and grow to it; runner/plan/lockLadder.ts). Default 1s. */
    lockTimeoutMs: duration.default(1_000),
    /** PGPHASE_STATEMENT_TIMEOUT: how long one migration statement may run. Default 15min. */
    statementTimeoutMs: duration.default(900_000),
    /** PGPHASE_CONCURRENT_STATEMENT_TIMEOUT: the same for `-- no-transaction` files (index builds). Default 0: none. */
    concurrentStatementTimeoutMs: duration.default(0),
    /** PGPHASE_LOCK_RETRIES: further attempts after a lock timeout, with jittered backoff. Default 20. */
    lockRetries: count.default(20),
    /** PGPHASE_LOCK_RETRY_BASE: upper bound of the first pause between attempts; it doubles (full jitter), capped at 5s. Default 100ms. */
    lockRetryBaseMs: duration.default(100),
    /** PGPHASE_LOCK_DEADLINE: no attempt starts once this much time went to attempts that timed out and the pauses between them. Default 60s. */
    lockDeadlineMs: duration.default(60_000),
    /** PGPHASE_SWAP_LOCK_TIMEOUT: the longest one attempt of a blue-green promote, rollback or prune waits for its locks (as PGPHASE_LOCK_TIMEOUT). Default 500ms. */
    swapLockTimeoutMs: duration.default(500),
    /** PGPHASE_CONNECT_TIMEOUT: how long opening a connection may take before it counts as a connection failure (exit 3). Default 10s. */
    connectTimeoutMs: duration.default(10_000),
    /** PGPHASE_MIGRATE_WAIT: how long a migrator waits for another one to finish. Default 60s. */
    migrateWaitMs: duration.default(60_000),
    /** PGPHASE_VERBOSE: stack traces and debug logs. Default off. */
    verbose: z.boolean().default(false),
    /** PGPHASE_PHASES: a JSON file of phases. Unset: the built-in odds-warehouse phases. */
    phases: z.string().min(1).optional(),
    /** Defaults of `pgphase run` (its flags override them). */
    runner: z
      .object({
        /** Parallel workers. Unset: this machine's cores, within the server's free connections. */
        workers: count.pipe(z.number().min(1).max(1_024)).optional(),
        /** Smallest batch, in rows. Default 100. */
        batchMin: count.pipe(z.number().min(1)).default(RUN_DEFAULTS.batch.min),
        /** Largest batch, in rows. Default 200000. */
        batchMax: count.pipe(z.number().min(1)).default(RUN_DEFAULTS.batch.max),
        /** First batch, in rows. Default 1 (slow start, see runner/plan/batchController.ts). */
        batchInitial: count.pipe(z.number().min(1)).default(RUN_DEFAULTS.batch.initial),
        /** Target duration of one batch, in ms. Default 1000. */
        targetMs: count.pipe(z.number().min(1).max(3_600_000)).default(RUN_DEFAULTS.batch.targetMs),
        /** PGPHASE_LEASE: how long a runner's leases last without a heartbeat (a crashed runner's partitions wait this long). Default 30s. */
        leaseMs: duration.pipe(z.number().min(500).max(3_600_000)).default(RUN_DEFAULTS.leaseMs),
      })
      .strict()
      .default({
        batchMin: RUN_DEFAULTS.batch.min,
        batchMax: RUN_DEFAULTS.batch.max,
        batchInitial: RUN_DEFAULTS.batch.initial,
        targetMs: RUN_DEFAULTS.batch.targetMs,
        leaseMs: RUN_DEFAULTS.leaseMs,
      }),
    /**
     * Role names the roles migration creates, set as pgphase.migrator_role / pgphase.runner_role
     * while migrating. Unset: the server's settings of those names (ALTER DATABASE ... SET,
     * PGOPTIONS), else pgphase_migrator and pgphase_runner.
     */
    roles: z
      .object({
        /** PGPHASE_MIGRATOR_ROLE. */
        migrator: z
          .string()
          .regex(/^[a-z_][a-z0-9_]*$/, 'must be a lower-case role name')
          .optional(),
        /** PGPHASE_RUNNER_ROLE. */
        runner: z
          .string()
          .regex(/^[a-z_][a-z0-9_]*$/, 'must be a lower-case role name')
          .optional(),
      })
      .strict()
      .default({}),
    /**
     * Defaults of `pgphase run`'s health gate and error budget (its flags override them; unset:
     * runner/health/ and runner/run/errorBudget.ts). Durations as numbers of ms or `5s`, `10min`.
     */
    health: z
      .object({
        /** false: as --no-health-gate. */
        enabled: z.boolean(),
        maxLagMs: duration,
        criticalLagMs: duration,
        maxActive: count,
        criticalActive: count,
        maxXactAgeMs: duration,
        criticalXactAgeMs: duration,
        /** Transactions a standby (slot or hot_standby_feedback) may hold the horizon back before the run throttles. */
        maxSlotXids: count.pipe(z.number().max(2_147_483_647)),
        intervalMs: duration.pipe(z.number().min(10).max(600_000)),
        throttleTimeoutMs: duration.pipe(z.number().min(1_000)),
        throttleQuery: z.string().trim().min(1),
        replicas: z.array(z.string().min(1)),
        maxQuarantineRate: z.number().min(0).max(1),
        budgetMinRows: count.pipe(z.number().min(1)),
        maxFailedPartitions: count,
      })
      .partial()
      .strict()
      .default({}),
  })
  .strict();

export type Config = Readonly<z.output<typeof schema>>;
export type ConfigInput = z.input<typeof schema>;

const ENV: Record<string, keyof ConfigInput> = {
  DATABASE_URL: 'databaseUrl',
  PGPHASE_HOME: 'home',
  PGPHASE_MIGRATIONS_DIR: 'migrationsDir',
  PGPHASE_PROCEDURES_DIR: 'proceduresDir',
  PGPHASE_LOCK_TIMEOUT: 'lockTimeoutMs',
  PGPHASE_STATEMENT_TIMEOUT: 'statementTimeoutMs',
  PGPHASE_CONCURRENT_STATEMENT_TIMEOUT: 'concurrentStatementTimeoutMs',
  PGPHASE_LOCK_RETRIES: 'lockRetries',
  PGPHASE_LOCK_RETRY_BASE: 'lockRetryBaseMs',
  PGPHASE_LOCK_DEADLINE: 'lockDeadlineMs',
  PGPHASE_MIGRATE_WAIT: 'migrateWaitMs',
  PGPHASE_SWAP_LOCK_TIMEOUT: 'swapLockTimeoutMs',
  PGPHASE_CONNECT_TIMEOUT: 'connectTimeoutMs',
  PGPHASE_PHASES: 'phases',
};
/** Environment variables of nested settings: variable -> [section, key]. */
export const NESTED_ENV: Record<string, readonly [string, string]> = {
  PGPHASE_WORKERS: ['runner', 'workers'],
  PGPHASE_LEASE: ['runner', 'leaseMs'],
  PGPHASE_MIGRATOR_ROLE: ['roles', 'migrator'],
  PGPHASE_RUNNER_ROLE: ['roles', 'runner'],
};
export const ENV_KEYS: Readonly<Record<string, keyof ConfigInput>> = ENV;

/** Reads the environment variables above into config input (flags override them). */
export function configFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): ConfigInput {
  const input: Record<string, unknown> = {};
  for (const [variable, key] of Object.entries(ENV)) {
    const value = env[variable];
    if (value !== undefined && value !== '') input[key] = value;
  }
  for (const [variable, [section, key]] of Object.entries(NESTED_ENV)) {
    const value = env[variable];
    if (value !== undefined && value !== '') input[section] = { ...(input[section] as object), [key]: value };
  }
  if (env.PGPHASE_VERBOSE === '1' || env.PGPHASE_VERBOSE === 'true') input.verbose = true;
  if (env.DATABASE_URL !== undefined && env.DATABASE_URL.trim() === '') {
    // A CI secret that is missing expands to an empty string: that is a mistake, not "embedded".
    throw new UsageError(
      'DATABASE_URL is set but empty: pgphase will not take that for "no database given" and start a throwaway embedded server',
      'Set DATABASE_URL to the server to use (check that the CI secret exists and is exposed to this job), or unset it to use the embedded server.',
    );
  }
  const embedded = embeddedSwitch(env);
  if (embedded) input.embedded = embedded;
  return input as ConfigInput;
}

const truthy = (v: string | undefined) => v !== undefined && !['', '0', 'false', 'no', 'off'].includes(v.trim().toLowerCase());

function embeddedSwitch(env: Readonly<Record<string, string | undefined>>): 'on' | 'off' | 'ci' | undefined {
  const value = env.PGPHASE_EMBEDDED?.trim().toLowerCase();
  if (value === undefined || value === '') return truthy(env.CI) ? 'ci' : undefined;
  if (['1', 'true', 'on', 'yes'].includes(value)) return 'on';
  if (['0', 'false', 'off', 'no'].includes(value)) return 'off';
  throw new UsageError(
    `PGPHASE_EMBEDDED must be 1 or 0 (got '${env.PGPHASE_EMBEDDED}')`,
    'PGPHASE_EMBEDDED=1 allows the embedded server in CI; 0 forbids it everywhere.',
  );
}

export function parseConfig(input: ConfigInput, cwd = process.cwd()): Config {
  const result = schema.safeParse(input);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `  ${i.path.join('.') || '(config)'}: ${i.message}`);
    throw new UsageError(`invalid configuration:\n${problems.join('\n')}`, 'See the Configuration section of the README.');
  }
  const c = result.data;
  return Object.freeze({
    ...c,
    home: resolve(cwd, c.home),
    migrationsDir: resolve(cwd, c.migrationsDir),
    proceduresDir: resolve(cwd, c.proceduresDir),
    ...(c.phases ? { phases: resolve(cwd, c.phases) } : {}),
  });
}

/** The lock ladder of migrations (`capMs` = lockTimeoutMs) or of blue-green swaps and prune (swapLockTimeoutMs). */
export function lockLadder(config: Config, capMs: number): LockLadder {
  return { capMs, retries: config.lockRetries, backoffBaseMs: config.lockRetryBaseMs, deadlineMs: config.lockDeadlineMs };
}
