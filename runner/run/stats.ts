/**
 * What this runner process observed, for the progress display and the report's process-local
 * figures (peak RSS, pool high-water mark, final batch size). Counts of rows, retries and
 * errors in the report come from the ledger, which every runner process of a run shares.
 */
export class RunStats {
  rows = 0;
  batches = 0;
  retries = 0;
  failures = 0;
  peakRss = 0;
  openConnections = 0;
  poolHighWater = 0;
  readonly errorsBySqlstate = new Map<string, number>();
  readonly finalBatchSizes = new Map<string, number>();
  /** Milliseconds this process was throttled by the health gate, per reason (see healthDecision.ts). */
  readonly throttledMs = new Map<string, number>();
  /** What throttles this process now (`replica lag 3.2 s > 1 s`), or null when it runs freely. */
  throttleState: string | null = null;
  private readonly listeners: ((rows: number) => void)[] = [];

  onRows(listener: (rows: number) => void): void {
    this.listeners.push(listener);
  }
  batch(_phase: string, rows: number, _ms: number, _size: number): void {
    this.rows += rows;
    this.batches++;
    this.sampleMemory();
    for (const l of this.listeners) l(rows);
  }
  retry(sqlstate: string): void {
    this.retries++;
    this.errorsBySqlstate.set(sqlstate, (this.errorsBySqlstate.get(sqlstate) ?? 0) + 1);
  }
  failure(sqlstate: string): void {
    this.failures++;
    this.errorsBySqlstate.set(sqlstate, (this.errorsBySqlstate.get(sqlstate) ?? 0) + 1);
  }
  /** The health gate held this process's workers for `ms` because of `reason` (metrics hook in here). */
  throttled(reason: string, ms: number): void {
    this.throttledMs.set(reason, (this.throttledMs.get(reason) ?? 0) + ms);
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
