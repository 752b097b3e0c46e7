/**
 * The one source of a run's defaults: `runPipeline` fills what its caller left out from here,
 * and the CLI shows the same values in `pgphase run --help`. Pure data.
 */
import type { BatchControllerOptions } from '../plan/batchController.js';

export const RUN_DEFAULTS = {
  /**
   * Adaptive batch size, in rows (a batch's upper key is read from the key's index). The first
   * batch of a step is one key and batches grow up to 4× until they near the target (slow start,
   * runner/plan/batchController.ts): what a key costs is not known before.
   */
  batch: { targetMs: 1_000, min: 100, max: 200_000, initial: 1, startGrowth: 4 } satisfies BatchControllerOptions,
  /** Retries of a transient failure: attempts, backoff base and cap, and a deadline per batch. */
  retry: { maxAttempts: 8, baseMs: 100, capMs: 10_000, deadlineMs: 120_000 },
  /** Session timeouts of the runner's connections, in ms. */
  statementTimeoutMs: 300_000,
  lockTimeoutMs: 10_000,
  idleInTransactionTimeoutMs: 60_000,
  /**
   * How long a partition's lease and a runner process's presence last without a heartbeat (which
   * comes every sixth of it): a crashed runner's partitions are taken over, and `status` calls its
   * run interrupted, this long after its last heartbeat.
   */
  leaseMs: 30_000,
} as const;
