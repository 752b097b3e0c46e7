/**
 * The health gate of one runner process, shared by its workers: before each batch a worker calls
 * `pass()`, which probes the database at most every `intervalMs` (one probe in flight at a time,
 * on the gate's own connection) and returns at once while the server is healthy. A timer probes
 * every `intervalMs` as well, so that the ledger says the run is throttled, and why, while every
 * worker is inside a batch or waiting to split one (a session queued behind the one batch left).
 * While a signal is over its threshold the workers wait and check again; a critical threshold, a
 * throttle that outlasts its deadline or a stop-pause (error budget) stops the run cleanly: the
 * workers finish their batch and leave, the run stays resumable. Throttled time is counted per
 * reason in the process's figures (GateStats, which RunStats satisfies) and reported, with the gate's state, to the process's presence
 * (runner/run/presence.ts), which writes them with its heartbeat. The gate only decides: it holds
 * no lock and writes nothing but a stop. Each probe is one transaction with its own timeouts
 * (SET LOCAL), so the gate's connection may go through a transaction-mode pooler.
 */
import pg from 'pg';
import type { Log } from '../log.js';
import { type RunControl, setPause } from '../ledger/control.js';
import type { HealthSignals } from '../ledger/healthSamples.js';
import { decideHealth, type HealthDecision, type HealthStop, type HealthThresholds, withDeadline } from './healthDecision.js';
import { probeHealth, type ProbeTarget } from './healthProbe.js';
import { newLagMemory } from './standbyLag.js';
import { ReplicaLink } from './replicaLink.js';
import { sleep } from '../sleep.js';
import { readableSession } from '../db/readableSession.js';
import { transaction } from '../db/transaction.js';

/** Timeouts of each probe's transaction. */
const PROBE_TIMEOUTS = { statementTimeoutMs: 5_000, lockTimeoutMs: 1_000 } as const;

/** Where the gate reports its state and throttled time (runner/run/presence.ts). */
export interface GateReport {
  report(state: string, reason: string | null, throttled: ReadonlyMap<string, number>): void;
}

/**
 * What the gate tells the process's figures (runner/run/stats.ts's RunStats has these): its
 * probes, the healthy waits, the throttled time per reason and the current throttle.
 */
export interface GateStats {
  gateProbe(ms: number): void;
  gateWait(ms: number): void;
  throttled(reason: string, ms: number): void;
  throttle(message: string | null): void;
}

export interface GateOptions {
  readonly connection: pg.ClientConfig;
  readonly replicas: readonly string[];
  readonly target: ProbeTarget;
  readonly thresholds: HealthThresholds;
  /** Probe at most this often. Default 1000 ms. */
  readonly intervalMs: number;
  readonly limits: { readonly throttleMs: number; readonly pauseMs: number };
  readonly runner: string;
  readonly stats: GateStats;
  readonly log: Log;
  /** The process's presence, told the gate's state. */
  readonly presence: GateReport;
}

export class HealthGate {
  /** The run's control row as last read (pause, tuned limits). */
  control: RunControl | null = null;
  /** Set once the gate decided to stop the run. */
  stopped: HealthStop | null = null;
  private client: pg.Client | null = null;
  private replicas: ReplicaLink[] = [];
  private last: { at: number; decision: HealthDecision } = { at: -Infinity, decision: { state: 'ok' } };
  private inflight: Promise<HealthDecision> | null = null;
  private throttledSince: number | null = null;
  private deltas = new Map<string, number>();
  /** The state last reported to the process's presence. */
  private lastReport: { state: string; reason: string | null } = { state: 'running', reason: null };
  private timer: NodeJS.Timeout | null = null;
  /** What the lag readings keep between probes (standbyLag.ts). */
  private readonly lag = newLagMemory();
  /** The signals of the last successful probe (none with the gate's signals off). */
  private lastSignals: HealthSignals | null = null;

  constructor(private readonly options: GateOptions) {}

  private async primary(): Promise<pg.Client> {
    if (this.client) return this.client;
    const client = new pg.Client(this.options.connection);
    client.on('error', () => {});
    await client.connect();
    await readableSession(client);
    this.client = client;
    return client;
  }

  /** The health signals the gate last read (for the process's presence to keep in the ledger); null before the first or with signals off. */
  signals(): HealthSignals | null {
    return this.lastSignals;
  }

  /** Connects to the primary and the replicas and takes the first decision. */
  async start(): Promise<void> {
    await this.primary();
    const name = this.options.connection.application_name ?? 'pgphase run';
    this.replicas = this.options.replicas.map((url) => new ReplicaLink(url, name)); // an unreachable replica throttles at the first probe
    await this.check(true);
    // Ticks at half the interval: check() probes once the last probe is an interval old, so a tick
    // that comes a little early does not leave the next probe a whole interval late.
    this.timer = setInterval(() => void this.check().catch(() => {}), Math.max(25, this.options.intervalMs / 2));
    this.timer.unref();
  }

  /** The current decision, probing when the last one is older than the interval. */
  check(force = false): Promise<HealthDecision> {
    if (!force && Date.now() - this.last.at < this.options.intervalMs) return Promise.resolve(this.last.decision);
    this.inflight ??= this.probe().finally(() => {
      this.inflight = null;
    });
    return this.inflight;
  }

  private async probe(): Promise<HealthDecision> {
    const { stats, log, thresholds } = this.options;
    let decision: HealthDecision;
    const started = performance.now();
    try {
      const client = await this.primary();
      const { sample, control, walLsn } = await transaction(client, () => probeHealth(client, this.replicas, this.options.target, this.lag), PROBE_TIMEOUTS);
      this.control = control;
      const t: HealthThresholds = control?.maxLagMs != null ? { ...thresholds, maxLagMs: control.maxLagMs } : thresholds;
      const now = Date.now();
      decision = withDeadline(decideHealth(sample, t), this.throttledSince, now, this.options.limits);
      if (this.options.target.signals)
        this.lastSignals = {
          at: now,
          replicaLagMs: sample.replicaLagMs,
          activeBackends: sample.activeBackends,
          oldestXactMs: sample.oldestXact?.ageMs ?? null,
        };
      // The WAL written before a replica-lag throttle began is what the run waits to see replayed.
      this.lag.mark = decision.state === 'throttle' && decision.reason === 'replica lag' ? (this.lag.mark ?? walLsn) : null;
    } catch (error) {
      log.warn(`health gate: probe failed (${error instanceof Error ? error.message : String(error)}); trying again`);
      this.client?.end().catch(() => {});
      this.client = null;
      decision = this.last.decision;
    }
    stats.gateProbe(performance.now() - started);
    const now = Date.now();
    const previous = this.last.decision;
    if (previous.state === 'throttle' && Number.isFinite(this.last.at)) {
      const ms = now - this.last.at;
      stats.throttled(previous.reason, ms);
      this.deltas.set(previous.reason, (this.deltas.get(previous.reason) ?? 0) + ms);
    }
    this.throttledSince = decision.state === 'throttle' ? (this.throttledSince ?? now) : null;
    this.last = { at: now, decision };
    const state =
      decision.state === 'ok'
        ? 'running'
        : decision.reason === 'paused' && decision.state === 'throttle'
          ? 'paused'
          : decision.state === 'stop'
            ? 'stopping'
            : 'throttled';
    const changed = previous.state !== decision.state || (previous.state !== 'ok' && decision.state !== 'ok' && previous.message !== decision.message);
    if (decision.state !== 'ok' && changed) {
      (decision.state === 'stop' ? log.error : log.warn)(`${decision.state === 'stop' ? 'stopping' : 'throttled'}: ${decision.message}`, {
        reason: decision.reason,
      });
    } else if (decision.state === 'ok' && previous.state !== 'ok') {
      log.info('health gate clear: running again');
    }
    stats.throttle(decision.state === 'throttle' ? decision.message : null);
    if (decision.state === 'stop' && !this.stopped) {
      this.stopped = decision;
      if (!(this.control?.paused && this.control.pauseKind === 'stop')) {
        await this.write((c) => setPause(c, this.options.target.runId, { paused: true, kind: 'stop', reason: decision.message, by: this.options.runner }));
      }
    }
    this.lastReport = { state, reason: decision.state === 'ok' ? null : decision.message };
    this.options.presence.report(this.lastReport.state, this.lastReport.reason, this.takeDeltas());
    return decision;
  }

  private takeDeltas(): Map<string, number> {
    const deltas = this.deltas;
    this.deltas = new Map();
    return deltas;
  }

  private async write(op: (c: pg.Client) => Promise<void>): Promise<void> {
    try {
      await op(await this.primary());
    } catch (error) {
      this.options.log.warn(`health gate: could not update the ledger (${error instanceof Error ? error.message : String(error)})`);
    }
  }

  /** Stops the run from this process (the error budget): every worker leaves after its batch. */
  async stop(reason: HealthStop['reason'], message: string): Promise<void> {
    if (this.stopped) return;
    this.stopped = { state: 'stop', reason, message };
    this.options.log.error(`stopping: ${message}`, { reason });
    await this.write((c) => setPause(c, this.options.target.runId, { paused: true, kind: 'stop', reason: message, by: this.options.runner }));
  }

  /**
   * Waits until the gate is clear. Returns true to go on, false to stop (the run is stopping, or
   * `stopping()` became true while waiting).
   */
  async pass(stopping: () => boolean): Promise<boolean> {
    for (;;) {
      if (stopping() || this.stopped) return false;
      const asked = performance.now();
      const d = await this.check();
      if (d.state === 'ok') {
        // Only the check that let the worker through: time spent throttled is not the gate's cost.
        this.options.stats.gateWait(performance.now() - asked);
        return true;
      }
      if (d.state === 'stop') return false;
      await sleep(Math.max(50, this.options.intervalMs - (Date.now() - this.last.at)));
    }
  }

  /** Reports the throttled time up to now and closes the gate's connections. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.inflight?.catch(() => {});
    const last = this.last.decision;
    if (last.state === 'throttle' && Number.isFinite(this.last.at)) {
      const ms = Date.now() - this.last.at;
      this.options.stats.throttled(last.reason, ms);
      this.deltas.set(last.reason, (this.deltas.get(last.reason) ?? 0) + ms);
    }
    this.options.presence.report(this.lastReport.state, this.lastReport.reason, this.takeDeltas());
    await Promise.all([this.client?.end().catch(() => {}), ...this.replicas.map((r) => r.end())]);
    this.client = null;
  }
}
