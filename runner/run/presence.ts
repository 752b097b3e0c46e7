/**
 * Runner presence: the one module that says a runner process is alive on a run. It registers the
 * process in pgphase.run_runners, and a heartbeat every sixth of the lease renews the process's
 * lease there and on every partition its workers hold (runner/ledger/claim.ts), writes the state the health
 * gate reports (running, throttled, paused, stopping) with the throttled time, and on the way out
 * records how the process ended and releases its leases. With each heartbeat it also keeps the
 * health signals the gate last read (pgphase.health_samples), when they are new, for the report.
 * Each write is a statement of its own: nothing outlives its transaction, so presence holds behind a transaction-mode pooler, and a
 * process that dies without a word is dead once its lease expires (`status`, takeovers).
 */
import type pg from 'pg';
import type { Log } from '../log.js';
import { type Lease, releaseLeases, renewLeases } from '../ledger/claim.js';
import { addThrottled, endRunner, heartbeat, registerRunner } from '../ledger/control.js';
import { type HealthSignals, insertHealthSample } from '../ledger/healthSamples.js';

export interface PresenceOptions {
  readonly runId: string;
  /** The lease of this process: its runner id and how long a lease lasts. */
  readonly lease: Lease;
  /** Runs a write on a ledger connection (with the runner's transient retries). */
  readonly write: (op: (c: pg.ClientBase) => Promise<void>) => Promise<void>;
  /** Workers this process runs now. */
  readonly workers: () => number;
  /** The health signals the gate last read; absent when they are not kept (the role cannot write them). */
  readonly signals?: () => HealthSignals | null;
  readonly log: Log;
}

export class RunnerPresence {
  private state = 'running';
  private reason: string | null = null;
  private written = { state: '', workers: -1 };
  private deltas = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private chain: Promise<void> = Promise.resolve();
  private signalsWrittenAt = -Infinity;

  constructor(private readonly options: PresenceOptions) {}

  /** Registers the process and starts its heartbeat. */
  async start(): Promise<void> {
    const { runId, lease, workers } = this.options;
    await this.options.write((c) => registerRunner(c, runId, lease.owner, workers(), lease.ms));
    this.timer = setInterval(() => void this.beat(), Math.max(10, Math.floor(lease.ms / 6)));
    this.timer.unref();
  }

  /** The gate's state and the throttled time since its last report; a change is written at once. */
  report(state: string, reason: string | null, throttled: ReadonlyMap<string, number> = new Map()): void {
    for (const [r, ms] of throttled) this.deltas.set(r, (this.deltas.get(r) ?? 0) + ms);
    this.state = state;
    this.reason = reason;
    if (state !== this.written.state || this.options.workers() !== this.written.workers) void this.beat();
  }

  /** One heartbeat, after the one in flight: renews the leases, writes the state and throttled time. */
  beat(): Promise<void> {
    this.chain = this.chain.then(async () => {
      const { runId, lease } = this.options;
      const deltas = this.deltas;
      this.deltas = new Map();
      const state = { state: this.state, reason: this.reason, workers: this.options.workers(), leaseMs: lease.ms };
      try {
        await this.options.write(async (c) => {
          await heartbeat(c, runId, lease.owner, state);
          await renewLeases(c, runId, lease);
          await addThrottled(c, runId, deltas);
        });
        this.written = { state: state.state, workers: state.workers };
      } catch (error) {
        for (const [r, ms] of deltas) this.deltas.set(r, (this.deltas.get(r) ?? 0) + ms);
        this.options.log.warn(`runner heartbeat: could not update the ledger (${error instanceof Error ? error.message : String(error)})`);
      }
      await this.keepSignals();
    });
    return this.chain;
  }

  /** Writes the gate's last signals when they are newer than those written; a failure only warns (they are the report's, not the run's). */
  private async keepSignals(): Promise<void> {
    const signals = this.options.signals?.();
    if (!signals || signals.at <= this.signalsWrittenAt) return;
    const { runId, lease } = this.options;
    try {
      await this.options.write((c) => insertHealthSample(c, runId, lease.owner, signals));
      this.signalsWrittenAt = signals.at;
    } catch (error) {
      this.options.log.warn(`runner heartbeat: could not keep the health signals (${error instanceof Error ? error.message : String(error)})`);
    }
  }

  /** Records how this process ended, with its last throttled time, and releases its leases. */
  async close(how: string): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.chain;
    const { runId, lease } = this.options;
    const deltas = this.deltas;
    this.deltas = new Map();
    try {
      await this.options.write(async (c) => {
        await addThrottled(c, runId, deltas);
        await endRunner(c, runId, lease.owner, how);
        await releaseLeases(c, runId, lease.owner);
      });
    } catch (error) {
      this.options.log.warn(
        `runner presence: could not record the end (${error instanceof Error ? error.message : String(error)}); its leases expire by themselves`,
      );
    }
  }
}
