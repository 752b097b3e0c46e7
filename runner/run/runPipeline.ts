/**
 * `pgphase run`: runs phases over key ranges with a pool of workers. The run lives in the
 * ledger, so this function can be called by several processes on several hosts at once (they
 * share the partitions) and again after a crash (it resumes the unfinished run unless `fresh`).
 */
import { randomBytes } from 'node:crypto';
import { availableParallelism, hostname } from 'node:os';
import pg from 'pg';
import { UsageError, wrapError } from '../errors.js';
import { silentLog, type Log } from '../log.js';
import type { BatchControllerOptions } from '../plan/batchController.js';
import { loadPhases, type Phase, selectPhases } from '../phases.js';
import { advanceRun, createOrResumeRun, finishRun, qualified } from './ledger.js';
import { startProgress } from './progress.js';
import { buildReport, type RunReport } from './report.js';
import { RunStats } from './stats.js';
import { PinnedConnection, withTransientRetry } from './connection.js';
import { runWorker } from './worker.js';
import { RUN_DEFAULTS } from './runDefaults.js';

export interface RunOptions {
  readonly url: string;
  /** Phase names; all phases when empty. */
  readonly phases?: readonly string[];
  /** Parallel workers (one connection each). Default: see defaultWorkers. */
  readonly workers?: number;
  /** Start a new run instead of resuming the unfinished one. */
  readonly fresh?: boolean;
  /** Adaptive batch size, in rows. Defaults: RUN_DEFAULTS.batch (runDefaults.ts). */
  readonly batch?: Partial<BatchControllerOptions>;
  /** Per-connection limits. Defaults: statement 5 min, lock 10 s, idle in transaction 60 s. */
  readonly statementTimeoutMs?: number;
  readonly lockTimeoutMs?: number;
  readonly idleInTransactionTimeoutMs?: number;
  /** Retries of a transient failure: attempts, backoff base and cap, and a deadline per batch. */
  readonly retry?: Partial<{ maxAttempts: number; baseMs: number; capMs: number; deadlineMs: number }>;
  /** Force the procedures' per-record path (pgphase.force_per_record), for measurement. */
  readonly forcePerRecord?: boolean;
  readonly progress?: 'bar' | 'log' | 'none';
  readonly log?: Log;
  /** Set to stop gracefully after the current batches (the run stays resumable). */
  readonly signal?: AbortSignal;
  readonly phaseList?: readonly Phase[];
}


/**
 * Default worker count: the cores of this machine (the procedures are CPU-bound in the server;
 * on a separate database host, pass --workers), at most the connection slots the server has
 * free, keeping a margin of 3 for others, and at least 1.
 */
export async function defaultWorkers(client: pg.ClientBase): Promise<number> {
  const { rows } = await client.query<{ free: number }>(
    `SELECT current_setting('max_connections')::int - current_setting('superuser_reserved_connections')::int
            - (SELECT count(*) FROM pg_stat_activity)::int AS free`,
  );
  return Math.max(1, Math.min(availableParallelism(), (rows[0]?.free ?? 4) - 3));
}

/** Partitions per step: enough for every worker to stay busy and for a crash to lose little. */
function partitionTarget(workers: number) {
  return (rows: number) => Math.max(1, Math.min(1_000, Math.max(workers * 4, Math.ceil(rows / 50_000))));
}

export async function runPipeline(options: RunOptions): Promise<RunReport> {
  const log = options.log ?? silentLog;
  let phases: Phase[];
  try {
    phases = selectPhases(options.phases ?? [], options.phaseList ?? loadPhases());
  } catch (error) {
    throw error instanceof UsageError ? error : new UsageError((error as Error).message);
  }
  const stats = new RunStats();
  /** Names this runner in the ledger (claimed_by): host, pid and an instance tag. */
  const runner = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const probe = new pg.Client({ connectionString: options.url, connectionTimeoutMillis: 10_000 });
  let workers: number;
  try {
    await probe.connect();
    workers = options.workers ?? (await defaultWorkers(probe));
  } catch (error) {
    throw wrapError(error, 'could not connect to the database');
  } finally {
    await probe.end().catch(() => {});
  }
  if (!Number.isInteger(workers) || workers < 1) throw new UsageError(`--workers must be a whole number of at least 1, not ${workers}`);

  const pool = new pg.Pool({
    connectionString: options.url,
    max: workers + 1,
    connectionTimeoutMillis: 10_000,
    application_name: `pgphase run ${hostname()}:${process.pid}`,
    statement_timeout: options.statementTimeoutMs ?? RUN_DEFAULTS.statementTimeoutMs,
    lock_timeout: options.lockTimeoutMs ?? RUN_DEFAULTS.lockTimeoutMs,
    idle_in_transaction_session_timeout: options.idleInTransactionTimeoutMs ?? RUN_DEFAULTS.idleInTransactionTimeoutMs,
    ...(options.forcePerRecord ? { options: '-c pgphase.force_per_record=on' } : {}),
  });
  pool.on('error', () => {
    /* an idle connection died (server restart); the next checkout gets a fresh one */
  });
  const retry = { ...RUN_DEFAULTS.retry, ...options.retry };
  const batch: BatchControllerOptions = { ...RUN_DEFAULTS.batch, ...options.batch };
  const stopping = () => options.signal?.aborted ?? false;
  const conn = new PinnedConnection(pool, stats);
  const ledger = <T>(op: (client: pg.PoolClient) => Promise<T>) => withTransientRetry(conn, retry, stats, op);
  const progress = startProgress(stats, log, options.progress ?? 'none', phases.map((p) => p.name).join('+'));
  try {
    const { runId, resumed } = await ledger((c) =>
      createOrResumeRun(c, phases, {
        fresh: options.fresh ?? false,
        settings: { workers, batch, forcePerRecord: options.forcePerRecord ?? false },
        createdBy: runner,
      }),
    );
    log.info(`${resumed ? 'resuming' : 'starting'} run ${runId} (${phases.map((p) => p.name).join(', ')}) with ${workers} worker(s)`);
    const total = await ledger(async (c) => {
      let sum = 0;
      for (const source of new Set(phases.flatMap((p) => p.steps.map((s) => s.source)))) {
        const { rows } = await c.query<{ n: number }>(`SELECT greatest(reltuples, 0)::float8 AS n FROM pg_class WHERE oid = $1::regclass`, [qualified(c, source)]);
        sum += rows[0]?.n ?? 0;
      }
      return sum;
    });
    progress.setTotal(Math.round(total));

    const advance = (c: pg.PoolClient) => advanceRun(c, runId, partitionTarget(workers));
    if (!(await ledger(advance))) {
      await Promise.all(
        Array.from({ length: workers }, (_, i) => runWorker({ runId, name: `${runner}:w${i + 1}`, pool, batch, retry, stats, log, stopping, advance })),
      );
    }
    const settled = !stopping();
    const report = await ledger(async (c) => {
      const draft = await buildReport(c, runId, { stats, workers, resumed, status: 'running' });
      if (!settled) return draft;
      const status = await finishRun(c, runId, draft);
      const final = { ...draft, status };
      await c.query('UPDATE pgphase.runs SET report = $2 WHERE id = $1', [runId, JSON.stringify(final)]);
      return final;
    });
    return report;
  } finally {
    progress.stop();
    conn.release();
    await pool.end().catch(() => {});
  }
}
