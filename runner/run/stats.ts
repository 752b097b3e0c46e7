/**
 * What this runner process observed, for the progress display, the report's process-local
 * figures (peak RSS, pool high-water mark, final batch size) and the Prometheus metrics, which
 * subscribe with `observe`. Counts of rows, retries and errors in the report come from the
 * ledger, which every runner process of a run shares.
 */

/** Where a batch, a retry or an error happened. */
export interface BatchPlace {
  readonly phase: string;
  readonly table: string;
}

/** One committed batch, as this process saw it. */
export interface BatchObservation extends BatchPlace {
  readonly rowsIn: number;
  readonly staged: number;
  readonly quarantined: number;
  readonly ms: number;
  /** The batch size the controller chose next, in keys. */
  readonly size: number;
}

/** Subscribers to a run's events (metrics); every method is optional and must not throw. */
export interface RunObserver {
  batch?(b: BatchObservation): void;
  /** A retried batch (`place` set) or ledger operation (no place). */
  retry?(sqlstate: string, place?: BatchPlace): void;
  /** A permanent error that failed a partition. */
  failure?(sqlstate: string, place?: BatchPlace): void;
  throttled?(reason: string, ms: number): void;
}

export class RunStats {
  rows = 0;
  batches = 0;
  retries = 0;
  failures = 0;
  peakRss = 0;
  openConnections = 0;
  poolHighWater = 0;
  /** Workers inside a batch's transaction right now. */
  busyWorkers = 0;
  readonly errorsBySqlstate = new Map<string, number>();
  readonly finalBatchSizes = new Map<string, number>();
  /** Milliseconds this process was throttled by the health gate, per reason (see healthDecision.ts). */
  readonly throttledMs = new Map<string, number>();
  /**
   * What the health gate cost this process: its probes (count and total ms) and the time workers
   * waited in it while the server was healthy (a worker that arrives while a probe is in flight
   * waits for it). Throttled time is not in it. The benchmark reports these as the gate's cost.
   */
  readonly gate = { probes: 0, probeMs: 0, healthyWaitMs: 0 };
  /** What throttles this process now (`replica lag 3.2 s > 1 s`), or null when it runs freely. */
  throttleState: string | null = null;
  private readonly listeners: ((rows: number) => void)[] = [];
  private readonly observers: RunObserver[] = [];

  onRows(listener: (rows: number) => void): void {
    this.listeners.push(listener);
  }
  observe(observer: RunObserver): void {
    this.observers.push(observer);
  }
  batch(phase: string, rows: number, ms: number, size: number, detail?: { table: string; staged: number; quarantined: number }): void {
    this.rows += rows;
    this.batches++;
    this.sampleMemory();
    for (const l of this.listeners) l(rows);
    const b = { phase, table: detail?.table ?? '', rowsIn: rows, staged: detail?.staged ?? 0, quarantined: detail?.quarantined ?? 0, ms, size };
    for (const o of this.observers) o.batch?.(b);
  }
  retry(sqlstate: string, place?: BatchPlace): void {
    this.retries++;
    this.errorsBySqlstate.set(sqlstate, (this.errorsBySqlstate.get(sqlstate) ?? 0) + 1);
    for (const o of this.observers) o.retry?.(sqlstate, place);
  }
  failure(sqlstate: string, place?: BatchPlace): void {
    this.failures++;
    this.errorsBySqlstate.set(sqlstate, (this.errorsBySqlstate.get(sqlstate) ?? 0) + 1);
    for (const o of this.observers) o.failure?.(sqlstate, place);
  }
  /** The health gate held this process's workers for `ms` because of `reason` (metrics and the throttle recorder observe it). */
  throttled(reason: string, ms: number): void {
    this.throttledMs.set(reason, (this.throttledMs.get(reason) ?? 0) + ms);
    for (const o of this.observers) o.throttled?.(reason, ms);
  }
  gateProbe(ms: number): void {
    this.gate.probes++;
    this.gate.probeMs += ms;
  }
  gateWait(ms: number): void {
    this.gate.healthyWaitMs += ms;
  }
  workerBusy(busy: boolean): void {
    this.busyWorkers = Math.max(0, this.busyWorkers + (busy ? 1 : -1));
  }
  /** The gate's current state: a throttle message, or null when clear. */
  throttle(message: string | null): void {
    this.throttleState = message;
  }
  finalBatchSize(phase: string, size: number): void {
    this.finalBatchSizes.set(phase, size);
  }
  connectionOpened(): void {
    this.openConnections++;
    this.poolHighWater = Math.max(this.poolHighWater, this.openConnections);
  }
  connectionClosed(): void {
    this.openConnections = Math.max(0, this.openConnections - 1);
  }
  sampleMemory(): void {
    this.peakRss = Math.max(this.peakRss, process.memoryUsage.rss());
  }
}
