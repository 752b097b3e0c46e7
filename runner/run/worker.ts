/**
 * One worker: claims partitions of a run and walks each by key in batches, calling the step's
 * procedure over `[cursor, cursor + size - 1]`. The batch size follows the adaptive controller;
 * failures follow the retry policy: transient ones (lost connection, deadlock, serialization,
 * lock timeout, server restart) are retried with backoff on a fresh connection if need be; a
 * statement timeout shrinks the batch (the batch is split); anything else fails the partition,
 * with its error recorded, and the worker goes on with the next one.
 */
import type pg from 'pg';
import type { IsolationLevel } from '../db/transaction.js';
import type { Log } from '../log.js';
import type { HealthGate } from '../health/healthGate.js';
import { type BatchControllerOptions, type BatchState, createBatchState, observeBatch, retuneBatch } from '../plan/batchController.js';
import { backoffMs, decideRetry } from '../plan/retryPolicy.js';
import { claimPartition, DEFAULT_LEASE_MS, finishPartition, type Lease, releasePartition, recordRetry, relockPartition } from '../ledger/claim.js';
import type { PartitionRow } from '../ledger/types.js';
import { LostPartitionError, runBatch } from './batch.js';
import type { RunStats } from './stats.js';
import { PinnedConnection, recordedState, type RetrySettings, sessionLost, withTransientRetry } from './connection.js';
import { sleep } from '../sleep.js';
import { type SplitOptions, splitPartition } from '../ledger/split.js';

export interface WorkerOptions {
  readonly runId: string;
  readonly name: string;
  readonly pool: pg.Pool;
  /** The lease its claims take (runner/ledger/claim.ts): this runner process's, renewed by its presence. Default: the worker's own, 30 s. */
  readonly lease?: Lease;
  readonly batch: BatchControllerOptions;
  readonly retry: RetrySettings;
  readonly stats: RunStats;
  readonly log: Log;
  /** Checked between batches: when true the worker stops after its current batch. */
  readonly stopping: () => boolean;
  /** The schema a phase's procedure writes into (phases that declare outputs), by phase name. */
  readonly outputSchemas?: ReadonlyMap<string, string>;
  /** The isolation level a step asked for (default read committed), by its procedure. */
  readonly isolation?: ReadonlyMap<string, IsolationLevel>;
  /** Moves the run forward (plans steps that became runnable); true once every step is settled. */
  readonly advance: (client: pg.PoolClient) => Promise<boolean>;
  /** Record each batch in pgphase.batch_samples (false when the role may not). */
  readonly samples?: boolean;
  /** The process's health gate, passed before each batch (it also carries the tuned limits). */
  readonly gate: HealthGate;
  /** Whether this worker may go on (false after `pgphase tune --workers` lowered the count). */
  readonly allowed: () => boolean;
  /** Splitting a running partition when nothing is left to claim (runner/ledger/split.ts): on unless false. */
  readonly split?: Partial<SplitOptions> | false;
  /** Called after each batch and each failed partition (the error budget). */
  readonly afterBatch?: (client: pg.PoolClient, partition: PartitionRow) => Promise<void>;
}

/** How a worker ended: the run is settled, it was told to leave, or the run is stopping. */
export type WorkerEnd = 'done' | 'left' | 'stopped';

async function processPartition(conn: PinnedConnection, partition: PartitionRow, options: WorkerOptions, controller: BatchState): Promise<BatchState> {
  const { log, stats } = options;
  let hi = BigInt(partition.hi); // lowered when another worker splits the partition (runner/ledger/split.ts)
  let cursor = BigInt(partition.next_key);
  let state = controller;
  let attempt = 0;
  let lastState: string | null = null;
  const place = { phase: partition.phase, table: partition.source_table };
  let deadlineAt = Date.now() + options.retry.deadlineMs;
  if (partition.reclaimed) log.warn(`reclaimed partition ${partition.id} of ${partition.source_table}: its lease expired (its runner process is gone)`);
  while (cursor <= hi) {
    if (!options.allowed() || !(await options.gate.pass(() => options.stopping() || !options.allowed())) || !options.allowed()) {
      // Leaving mid-partition: let another worker (of any process) claim it at the cursor.
      await withTransientRetry(conn, options.retry, options.stats, (c) => releasePartition(c, partition)).catch(() => conn.discard());
      return state;
    }
    const control = options.gate.control;
    if (control) state = retuneBatch(state, { max: control.batchMax, targetMs: control.targetMs });
    const at = `batch of ${state.size} rows from key ${cursor} of ${partition.source_table}`;
    try {
      const client = await conn.get();
      const sample = options.samples ? { worker: options.name, retries: attempt, retrySqlstate: lastState } : undefined;
      stats.workerBusy(true);
      const {
        range: done,
        counts,
        ms,
        hi: bound,
      } = await runBatch(client, partition, options.runId, cursor, state.size, {
        outputSchema: options.outputSchemas?.get(partition.phase),
        isolation: options.isolation?.get(partition.procedure),
        sample,
      }).finally(() => stats.workerBusy(false));
      state = observeBatch(state, { rows: Math.max(1, counts.rowsIn), ms });
      stats.batch(partition.phase, counts.rowsIn, ms, state.size, { table: partition.source_table, staged: counts.written, quarantined: counts.rejected });
      cursor = done.hi + 1n;
      hi = bound;
      if (options.afterBatch) await withTransientRetry(conn, options.retry, options.stats, (c) => options.afterBatch!(c, partition));
      attempt = 0;
      lastState = null;
      deadlineAt = Date.now() + options.retry.deadlineMs;
    } catch (error) {
      if (error instanceof LostPartitionError) {
        log.warn(error.message);
        conn.release();
        return state;
      }
      const message = error instanceof Error ? error.message : String(error);
      const sqlstate = recordedState(error);
      const decision = decideRetry(error, {
        attempt: attempt + 1,
        maxAttempts: options.retry.maxAttempts,
        deadlineAt,
        now: Date.now(),
        backoff: options.retry,
        canSplit: state.size > state.options.min,
      });
      attempt++;
      lastState = sqlstate;
      if (decision.action === 'split') {
        state = observeBatch(state, { rows: state.size, ms: 0, timedOut: true });
        log.warn(`${at} timed out; batch size now ${state.size}`);
        await withTransientRetry(conn, options.retry, options.stats, (c) => recordRetry(c, partition.id, sqlstate));
        stats.retry(sqlstate, place);
        continue;
      }
      if (decision.action === 'retry') {
        const lost = sessionLost(error);
        log.warn(`${at} failed (${sqlstate}: ${message}); retry ${attempt} in ${decision.delayMs} ms`);
        stats.retry(sqlstate, place);
        await sleep(decision.delayMs);
        if (lost) {
          conn.discard();
          // Our session is gone (the lease is not): renew the lease, or let the partition go if another worker has it.
          const relocked = await withTransientRetry(conn, options.retry, options.stats, (c) => relockPartition(c, partition));
          if (!relocked) {
            log.warn(`partition ${partition.id} was claimed by another worker while we reconnected`);
            conn.release();
            return state;
          }
        }
        await withTransientRetry(conn, options.retry, options.stats, (c) => recordRetry(c, partition.id, sqlstate));
        continue;
      }
      log.error(`partition ${partition.id} of ${partition.source_table} (${partition.lo}..${hi}) failed at key ${cursor}: ${sqlstate} ${message}`);
      stats.failure(sqlstate, place);
      await withTransientRetry(conn, options.retry, options.stats, (c) => finishPartition(c, partition.id, { status: 'failed', error: message, sqlstate }));
      if (options.afterBatch) await withTransientRetry(conn, options.retry, options.stats, (c) => options.afterBatch!(c, partition));
      return state;
    }
  }
  await withTransientRetry(conn, options.retry, options.stats, (c) => finishPartition(c, partition.id, { status: 'done' }));
  return state;
}

/**
 * Waits of a worker that found no partition to claim: short enough (at most 250 ms) that it joins
 * a step another worker has just planned within a fraction of a batch.
 */
const IDLE_BACKOFF = { baseMs: 25, capMs: 250 } as const;

/**
 * Claims and processes partitions until every step of the run is settled. When nothing is
 * claimable it moves the run forward (a step may have become runnable), then splits the running
 * partition with the most left (runner/ledger/split.ts), and otherwise polls with capped backoff: the remaining
 * partitions are being processed by others, any of whom may die.
 */

export async function runWorker(options: WorkerOptions, controllers = new Map<string, BatchState>()): Promise<WorkerEnd> {
  const conn = new PinnedConnection(options.pool, options.stats);
  const ledger = <T>(op: (c: pg.PoolClient) => Promise<T>) => withTransientRetry(conn, options.retry, options.stats, op);
  const lease = options.lease ?? { owner: options.name, ms: DEFAULT_LEASE_MS };
  let idle = 0;
  try {
    for (;;) {
      if (options.stopping() || options.gate.stopped) return 'stopped';
      if (!options.allowed()) return 'left';
      // A worker without a partition waits for the gate before it claims, plans or splits: all of
      // them commit, and while the gate throttles (a standby behind, locks, a pause) no worker of
      // the run may add to what it waits on.
      if (!(await options.gate.pass(() => options.stopping() || !options.allowed()))) continue;
      let partition = await ledger((c) => claimPartition(c, options.runId, options.name, lease));
      if (!partition) {
        if (await ledger(options.advance)) return 'done';
        partition = await ledger((c) => claimPartition(c, options.runId, options.name, lease));
      }
      if (!partition && options.split !== false && !options.stopping() && options.allowed()) {
        // Nothing left to claim: take the second half of the longest partition still running.
        const split = await ledger((c) =>
          splitPartition(c, options.runId, { minRows: options.batch.min, waitMs: Math.max(1_000, 2 * options.batch.targetMs), ...options.split }),
        );
        if (split) {
          options.log.info(`split partition ${split.from} of its step: ${split.rows} rows from key ${split.lo} are partition ${split.partition}`);
          partition = await ledger((c) => claimPartition(c, options.runId, options.name, lease));
        }
      }
      if (!partition) {
        // The one backoff (retryPolicy.ts): 25 ms doubling to 250 ms, no jitter.
        await sleep(backoffMs(idle++, IDLE_BACKOFF, () => 1));
        continue;
      }
      idle = 0;
      const state = controllers.get(partition.step_id) ?? createBatchState(options.batch);
      controllers.set(partition.step_id, await processPartition(conn, partition, options, state));
      options.stats.finalBatchSize(partition.phase, controllers.get(partition.step_id)!.size);
    }
  } finally {
    conn.release();
  }
}
