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
  /** Milliseconds workers waited on the health gate, by reason. */
  readonly throttledMs = new Map<string, number>();
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
  /** Workers waited `ms` on the health gate for `reason` (called by the gate). */
  throttled(reason: string, ms: number): void {
    this.throttledMs.set(reason, (this.throttledMs.get(reason) ?? 0) + ms);
    for (const o of this.observers) o.throttled?.(reason, ms);
  }
  workerBusy(busy: boolean): void {
    this.busyWorkers = Math.max(0, this.busyWorkers + (busy ? 1 : -1));
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
