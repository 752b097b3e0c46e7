/**
 * `pgphase run`: runs phases over key ranges with a pool of workers. The run lives in the
 * ledger, so this function can be called by several processes on several hosts at once (they
 * share the partitions) and again after a crash (it resumes the unfinished run unless `fresh`).
 */
import { randomBytes } from 'node:crypto';
import { availableParallelism, hostname } from 'node:os';
import pg from 'pg';
import { connectFailure, connectTimeout } from '../db/database.js';
import { setClientTransactionSettings, transaction } from '../db/transaction.js';
import { checkWritable } from '../db/writable.js';
import { readableSession } from '../db/readableSession.js';
import { UsageError } from '../errors.js';
import { silentLog, type Log } from '../log.js';
import type { BatchControllerOptions, BatchState } from '../plan/batchController.js';
import { type Phase, selectPhases } from '../phases.js';
import { preflight, prepareShadows, verifyBuilds } from '../bluegreen/build.js';
import { targetOf } from '../bluegreen/names.js';
import { DEFAULT_THRESHOLDS } from '../health/healthDecision.js';
import { DEFAULT_HEALTH, type HealthSettings } from '../health/healthSettings.js';
import { HealthGate } from '../health/healthGate.js';
import { phaseTables } from '../health/phaseTables.js';
export type { HealthSettings } from '../health/healthSettings.js';
import { RUNNER_APP_PREFIX } from '../health/healthProbe.js';
import { liftStopPause } from '../ledger/control.js';
import { withWorkingTime } from './workingTime.js';
import { checkUnfinished, otherUnfinished } from './runLifeGuard.js';
import { budgetEnabled, checkBudget, type ErrorBudget, NO_BUDGET } from './errorBudget.js';
import { DEFAULT_LEASE_MS } from '../ledger/claim.js';
import { createOrResumeRun, finishRun, type IncrementalMode, markRunFailed, stepCoverage, storeRunReport } from '../ledger/runState.js';
import { advanceRun } from './advanceRun.js';
import { runRowTotals } from '../ledger/runReads.js';
import { RunnerPresence } from './presence.js';
import type { HealthSignals } from '../ledger/healthSamples.js';
import { startProgress } from './progress.js';
import { buildReport, type RunReport } from './report.js';
import { RunStats } from './stats.js';
import { PinnedConnection, withTransientRetry } from './connection.js';
import { runWorker } from './worker.js';
import { runWorkerPool } from './workerPool.js';
import { RUN_DEFAULTS } from './runDefaults.js';
import { canWriteSamples, insertThrottleEvent } from '../ledger/batchSamples.js';
import { recordThrottlePeriods } from './throttleRecorder.js';
import { serveRunMetrics } from '../metrics/serveRunMetrics.js';
import { checkSteps, describeStepProblems } from './stepCheck.js';

export interface RunOptions {
  readonly url: string;
  /** Phase names; all phases when empty. */
  readonly phases?: readonly string[];
  /** Parallel workers (one connection each). Default: see defaultWorkers. */
  readonly workers?: number;
  /** Start a new run instead of resuming the unfinished one (refused beside an unfinished run unless `abandon`). */
  readonly fresh?: boolean;
  /** With `fresh`: abandon the unfinished runs (recorded in pgphase.run_control) instead of refusing. */
  readonly abandon?: boolean;
  /** Adaptive batch size, in rows. Defaults: RUN_DEFAULTS.batch (runDefaults.ts). */
  readonly batch?: Partial<BatchControllerOptions>;
  /** Per-connection limits. Defaults: statement 5 min, lock 10 s, idle in transaction 60 s. */
  readonly statementTimeoutMs?: number;
  readonly lockTimeoutMs?: number;
  readonly idleInTransactionTimeoutMs?: number;
  /** Retries of a transient failure: attempts, backoff base and cap, and a deadline per batch. */
  readonly retry?: Partial<{ maxAttempts: number; baseMs: number; capMs: number; deadlineMs: number }>;
  /** How long a partition's lease (and the process's presence) lasts without a heartbeat; a crashed runner's partitions are taken over after it. Default 30 s (runner/ledger/claim.ts). */
  readonly leaseMs?: number;
  /** Let a worker with nothing to claim split a running partition (runner/ledger/split.ts). Default true. */
  readonly split?: boolean;
  /**
   * A new run's steps: as declared (`"incremental": true` goes over the keys added since the step
   * last finished), all incremental (`--incremental`), or all whole (`--full`). Default declared.
   */
  readonly incremental?: IncrementalMode;
  /** Force the procedures' per-record path (pgphase.force_per_record), for measurement. */
  readonly forcePerRecord?: boolean;
  readonly progress?: 'bar' | 'log' | 'none';
  readonly log?: Log;
  /** Set to stop gracefully after the current batches (the run stays resumable). */
  readonly signal?: AbortSignal;
  /**
   * The project's phases (the CLI loads them from the config's phases file; the odds CLI passes
   * its own). Required: the library reads no environment variable for them.
   */
  readonly phaseList: readonly Phase[];
  /** The health gate (see runner/health/). Defaults: on, probing at most every 1000 ms. */
  readonly health?: Partial<HealthSettings>;
  /** The error budget; off by default. */
  readonly budget?: Partial<ErrorBudget>;
  /** Most workers this process may run when `pgphase tune --workers` raises the count. Default: `workers`. */
  readonly maxWorkers?: number;
  /** Write blue-green phases straight into their live tables instead of a shadow build. */
  readonly inPlace?: boolean;
  /** Serve Prometheus metrics at http://metricsHost:metricsPort/metrics while the run lasts. */
  readonly metricsPort?: number;
  /** Address the metrics are served on. Default: 127.0.0.1 (this host only). */
  readonly metricsHost?: string;
  /** Keep serving the final metrics this long after the run ends (the signal cuts it short). Default 0. */
  readonly metricsLingerMs?: number;
  /** The run's event counters; pass one to observe a run (RunStats.observe) or to feed it (throttled). */
  readonly stats?: RunStats;
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
    phases = selectPhases(options.phases ?? [], options.phaseList);
  } catch (error) {
    throw error instanceof UsageError ? error : new UsageError((error as Error).message);
  }
  const stats = options.stats ?? new RunStats();
  const metrics = await serveRunMetrics(
    stats,
    { port: options.metricsPort, host: options.metricsHost, lingerMs: options.metricsLingerMs, signal: options.signal },
    log,
  );
  /** Names this runner in the ledger (claimed_by): host, pid and an instance tag. */
  const runner = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const probe = new pg.Client({ connectionString: options.url, connectionTimeoutMillis: connectTimeout() });
  let workers: number;
  try {
    await probe.connect();
    await checkWritable(probe);
    workers = options.workers ?? (await defaultWorkers(probe));
    metrics?.setMaxConnections(Number((await probe.query<{ n: string }>(`SELECT current_setting('max_connections') AS n`)).rows[0]!.n));
  } catch (error) {
    await metrics?.close();
    throw connectFailure(error, connectTimeout());
  } finally {
    await probe.end().catch(() => {});
  }
  if (!Number.isInteger(workers) || workers < 1) throw new UsageError(`--workers must be a whole number of at least 1, not ${workers}`);

  const ceiling = Math.max(workers, options.maxWorkers ?? workers);
  const applicationName = `${RUNNER_APP_PREFIX}${hostname()}:${process.pid}`;
  const pool = new pg.Pool({
    connectionString: options.url,
    max: ceiling + 1,
    connectionTimeoutMillis: connectTimeout(),
    application_name: applicationName,
  });
  // The runner's timeouts (and --force-per-record) are set in each of its transactions (SET LOCAL,
  // runner/db/transaction.ts), not as startup parameters: they hold whatever the role or database
  // sets, and through a pooler, which refuses or drops startup parameters it does not track.
  const timeouts = {
    ...(options.forcePerRecord ? { forcePerRecord: true } : {}),
    statementTimeoutMs: options.statementTimeoutMs ?? RUN_DEFAULTS.statementTimeoutMs,
    lockTimeoutMs: options.lockTimeoutMs ?? RUN_DEFAULTS.lockTimeoutMs,
    idleInTransactionTimeoutMs: options.idleInTransactionTimeoutMs ?? RUN_DEFAULTS.idleInTransactionTimeoutMs,
  };
  pool.on('connect', (client) => {
    setClientTransactionSettings(client, timeouts);
    // Queued before the query the checkout makes: a failure there surfaces on that query.
    readableSession(client).catch(() => {});
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
  const blueGreen = options.inPlace ? [] : phases.filter((p) => p.blueGreen);
  const isolation = new Map(phases.flatMap((p) => p.steps.flatMap((s) => (s.isolation ? [[s.procedure, s.isolation] as const] : []))));
  const outputSchemas = new Map(phases.filter((p) => p.outputs?.length).map((p) => [p.name, targetOf(p).schema]));
  try {
    if (blueGreen.length) await ledger((c) => preflight(c, blueGreen));
    // A step that cannot run (a typo in the phases file, a target without the source key column) is
    // refused here, before a run is recorded: no ghost run for `status` to call interrupted.
    const problems = await ledger((c) => transaction(c, () => checkSteps(c, phases)));
    if (problems.length > 0) {
      throw new UsageError(`the phases cannot run as declared: ${describeStepProblems(problems)}`, problems[0]!.hint);
    }
    if (options.fresh) await ledger((c) => checkUnfinished(c, { abandon: options.abandon ?? false, by: runner, log }));
    const { runId, resumed } = await ledger((c) =>
      createOrResumeRun(c, phases, {
        fresh: options.fresh ?? false,
        settings: { workers, batch, forcePerRecord: options.forcePerRecord ?? false },
        createdBy: runner,
        incremental: options.incremental ?? 'declared',
      }),
    );
    if (!resumed) {
      for (const step of await ledger((c) => stepCoverage(c, runId))) {
        if (step.fromKey !== null)
          log.info(`${step.phase} · ${step.source}: incremental, keys above ${step.fromKey} (where it last finished); --full for the whole source`);
        else if (options.incremental !== 'none' && phases.some((p) => p.steps.some((s) => s.source === step.source && s.incremental)))
          log.info(`${step.phase} · ${step.source}: the whole source (it never finished before)`);
      }
    }
    metrics?.setRun(runId, phases);
    metrics?.setWorkers(workers);
    metrics?.setState('running');
    const samples = await ledger(canWriteSamples);
    if (!samples)
      log.warn(
        'this role cannot write pgphase.batch_samples / throttle_events: the run goes on, but `pgphase report --html` will have no series for it (an administrator can run SELECT pgphase.grant_runner(role))',
      );
    const throttle = recordThrottlePeriods(
      stats,
      (reason, endedAt, ms) => (samples ? ledger((c) => insertThrottleEvent(c, runId, runner, reason, endedAt, ms)) : Promise.resolve()),
      log,
    );
    log.info(`${resumed ? 'resuming' : 'starting'} run ${runId} (${phases.map((p) => p.name).join(', ')}) with ${workers} worker(s)`);
    for (const other of await ledger((c) => otherUnfinished(c, runId))) log.warn(other);
    if (blueGreen.length) {
      const shadows = await ledger((c) => prepareShadows(c, blueGreen, runId, options.lockTimeoutMs ?? 10_000, log));
      for (const [phase, schema] of shadows) outputSchemas.set(phase, schema);
    }
    // The progress total: the run's planned rows less those already read (a resumed run), made
    // more exact as steps are planned (their estimate after ANALYZE, an incremental step's share).
    const readBefore = (await ledger((c) => runRowTotals(c, runId))).read;
    const refreshTotal = async (c: pg.ClientBase) => {
      const { planned } = await runRowTotals(c, runId);
      progress.setTotal(Math.max(0, Math.round(planned - readBefore)));
    };
    await ledger(refreshTotal);

    const advance = async (c: pg.PoolClient) => {
      const more = await advanceRun(c, runId, partitionTarget(workers));
      await refreshTotal(c);
      return more;
    };
    const lifted = await ledger((c) => liftStopPause(c, runId, runner));
    if (lifted) log.info(`lifted the stop of run ${runId} (${lifted}); the limits are checked again as it goes`);
    const health = { ...DEFAULT_HEALTH, ...options.health, thresholds: { ...DEFAULT_THRESHOLDS, ...options.health?.thresholds } };
    const live = new Map<number, Promise<void>>();
    const controllers = new Map<string, BatchState>();
    const lease = { owner: runner, ms: options.leaseMs ?? DEFAULT_LEASE_MS };
    const presence = new RunnerPresence({
      runId,
      lease,
      write: (op) => ledger(op),
      workers: () => live.size,
      // The gate exists before the first heartbeat (presence.start() below).
      signals: samples ? (): HealthSignals | null => gate.signals() : undefined,
      log,
    });
    const gate = new HealthGate({
      connection: { connectionString: options.url, connectionTimeoutMillis: connectTimeout(), application_name: applicationName },
      replicas: health.replicas,
      target: { runId, tables: phaseTables(phases, outputSchemas), throttleQuery: health.throttleQuery, signals: health.enabled },
      thresholds: health.thresholds,
      intervalMs: health.intervalMs,
      limits: { throttleMs: health.throttleTimeoutMs, pauseMs: health.pauseTimeoutMs },
      runner,
      stats,
      log,
      presence,
    });
    const budget = { ...NO_BUDGET, ...options.budget };
    const afterBatch = budgetEnabled(budget)
      ? async (c: pg.PoolClient, partition: { step_id: string }) => {
          const over = await checkBudget(c, runId, partition.step_id, budget);
          if (over) await gate.stop('paused', over);
        }
      : undefined;
    let how = 'interrupted';
    await presence.start();
    try {
      await gate.start();
      await runWorkerPool(
        {
          target: () => Math.min(ceiling, gate.control?.workers ?? workers),
          halted: () => stopping() || gate.stopped !== null,
          intervalMs: health.intervalMs,
          log,
          live,
          start: (i, allowed) =>
            runWorker(
              {
                runId,
                name: `${runner}:w${i}`,
                pool,
                lease,
                batch,
                retry,
                stats,
                log,
                stopping,
                advance,
                gate,
                allowed,
                outputSchemas,
                isolation,
                samples,
                ...(options.split === false ? { split: false as const } : {}),
                ...(afterBatch ? { afterBatch } : {}),
              },
              controllers,
            ),
        },
        await ledger(advance),
      );
      how = gate.stopped ? `stopped: ${gate.stopped.message}` : stopping() ? 'interrupted' : 'finished';
    } finally {
      await gate.close();
      await presence.close(how);
    }
    await throttle.flush();
    const settled = !stopping() && !gate.stopped;
    const builds = settled && blueGreen.length ? await ledger((c) => verifyBuilds(c, blueGreen, runId, log)) : undefined;
    const report = await ledger(async (c) => {
      const draft = await withWorkingTime(c, await buildReport(c, runId, { stats, workers, resumed, status: 'running' }), gate.stopped?.message);
      if (!settled) return draft;
      let status = await finishRun(c, runId, draft);
      if (builds?.some((b) => b.state === 'failed')) {
        status = 'failed';
        await markRunFailed(c, runId);
      }
      const final = { ...draft, status, ...(builds ? { builds } : {}) };
      await storeRunReport(c, runId, final);
      return final;
    });
    metrics?.setState(report.status === 'running' ? 'stopped' : report.status);
    return report;
  } catch (error) {
    metrics?.setState('failed');
    throw error;
  } finally {
    progress.stop();
    conn.release();
    await pool.end().catch(() => {});
    await metrics?.close();
  }
}
