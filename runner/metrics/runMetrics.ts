/**
 * The Prometheus metrics of a run, as this runner process observed them (RunStats events), in
 * their own prom-client registry. Counters start at zero with the process: when one process ran
 * a whole run, their final values equal the ledger's; when several shared it, sum them across
 * instances. Names: the `pgphase_` prefix, `_total` for counters, `_seconds` for durations.
 *
 * Every labelled counter an alert rule reads exists at 0 from the start of the run, for every
 * label set pgphase knows then (each step's phase and table, each throttle reason): a series that
 * first appears at 1 has no earlier sample, so `increase()` over it is 0 and the alert on the first
 * failure of a run would never fire. A partition's SQLSTATE is not known before it fails, so the
 * alert counts `pgphase_partition_failures_total` (by phase and table), and
 * `pgphase_partition_errors_total` adds the SQLSTATE for the page.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { THROTTLE_REASONS } from '../health/healthDecision.js';
import type { RunStats } from '../run/stats.js';

export type RunState = 'starting' | 'running' | 'done' | 'failed' | 'stopped';
const STATES: readonly RunState[] = ['starting', 'running', 'done', 'failed', 'stopped'];

export interface RunMetrics {
  readonly registry: Registry;
  /** The run this process works on, and its phases: their counters start at 0 here. */
  setRun(runId: string, phases: readonly RunPhase[]): void;
  setState(state: RunState): void;
  setWorkers(workers: number): void;
  setMaxConnections(max: number): void;
}

/** What setRun needs of a phase (runner/phases.ts's Phase). */
export interface RunPhase {
  readonly name: string;
  readonly steps: readonly { readonly source: string }[];
}

const BATCH_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

export function createRunMetrics(stats: RunStats): RunMetrics {
  const registry = new Registry();
  const registers = [registry];
  const byTable = ['phase', 'table'] as const;
  const rowsIn = new Counter({ name: 'pgphase_rows_in_total', help: 'Source rows read by committed batches.', labelNames: byTable, registers });
  const staged = new Counter({ name: 'pgphase_rows_staged_total', help: 'Rows written by committed batches.', labelNames: byTable, registers });
  const quarantined = new Counter({ name: 'pgphase_rows_quarantined_total', help: 'Rows quarantined by committed batches.', labelNames: byTable, registers });
  const duration = new Histogram({
    name: 'pgphase_batch_duration_seconds',
    help: 'Time of the phase procedure per committed batch.',
    labelNames: byTable,
    buckets: BATCH_BUCKETS,
    registers,
  });
  const batchSize = new Gauge({
    name: 'pgphase_batch_size',
    help: 'Current batch size chosen by the adaptive controller, in keys.',
    labelNames: byTable,
    registers,
  });
  const batchRetries = new Counter({
    name: 'pgphase_batch_retries_total',
    help: 'Batches retried (or split after a timeout), by SQLSTATE.',
    labelNames: [...byTable, 'sqlstate'],
    registers,
  });
  const errors = new Counter({
    name: 'pgphase_partition_errors_total',
    help: 'Permanent errors that failed a partition, by SQLSTATE.',
    labelNames: [...byTable, 'sqlstate'],
    registers,
  });
  const failures = new Counter({
    name: 'pgphase_partition_failures_total',
    help: 'Partitions failed by a permanent error (the alert reads this one: it exists at 0 from the start).',
    labelNames: byTable,
    registers,
  });
  const ledgerRetries = new Counter({
    name: 'pgphase_ledger_retries_total',
    help: 'Ledger operations retried after a transient error, by SQLSTATE.',
    labelNames: ['sqlstate'],
    registers,
  });
  const throttled = new Counter({
    name: 'pgphase_throttled_seconds_total',
    help: 'Worker-seconds spent waiting on the health gate, by reason.',
    labelNames: ['reason'],
    registers,
  });
  const lastProgress = new Gauge({
    name: 'pgphase_last_progress_timestamp_seconds',
    help: "Unix time of the last batch this process committed, or of the run's start.",
    registers,
  });
  const workers = new Gauge({ name: 'pgphase_workers', help: 'Workers of this runner process.', registers });
  new Gauge({
    name: 'pgphase_workers_busy',
    help: 'Workers inside a batch right now.',
    registers,
    collect() {
      this.set(stats.busyWorkers);
    },
  });
  new Gauge({
    name: 'pgphase_pool_connections_in_use',
    help: 'Database connections this runner holds.',
    registers,
    collect() {
      this.set(stats.openConnections);
    },
  });
  const maxConnections = new Gauge({ name: 'pgphase_server_max_connections', help: "The server's max_connections.", registers });
  let max = 0;
  new Gauge({
    name: 'pgphase_pool_connections_in_use_ratio',
    help: "Connections this runner holds as a share of the server's max_connections.",
    registers,
    collect() {
      if (max > 0) this.set(stats.openConnections / max);
    },
  });
  const state = new Gauge({
    name: 'pgphase_run_status',
    help: "The run's state as this process knows it: 1 for the current state.",
    labelNames: ['status'],
    registers,
  });
  const info = new Gauge({ name: 'pgphase_run_info', help: 'The run this process works on.', labelNames: ['run_id', 'phases'], registers });
  collectDefaultMetrics({ register: registry, prefix: 'pgphase_' });

  stats.observe({
    batch(b) {
      const labels = { phase: b.phase, table: b.table };
      rowsIn.inc(labels, b.rowsIn);
      staged.inc(labels, b.staged);
      quarantined.inc(labels, b.quarantined);
      duration.observe(labels, b.ms / 1000);
      batchSize.set(labels, b.size);
      lastProgress.set(Date.now() / 1000);
    },
    retry(sqlstate, place) {
      if (place) batchRetries.inc({ phase: place.phase, table: place.table, sqlstate });
      else ledgerRetries.inc({ sqlstate });
    },
    failure(sqlstate, place) {
      errors.inc({ phase: place?.phase ?? '', table: place?.table ?? '', sqlstate });
      failures.inc({ phase: place?.phase ?? '', table: place?.table ?? '' });
    },
    throttled(reason, ms) {
      throttled.inc({ reason }, ms / 1000);
    },
  });
  const setState = (s: RunState) => {
    for (const name of STATES) state.set({ status: name }, name === s ? 1 : 0);
    if (s === 'running') lastProgress.set(Date.now() / 1000);
  };
  setState('starting');
  return {
    registry,
    setRun: (runId, phases) => {
      info.set({ run_id: runId, phases: phases.map((p) => p.name).join(',') }, 1);
      for (const phase of phases) {
        for (const step of phase.steps) {
          const labels = { phase: phase.name, table: step.source };
          for (const counter of [rowsIn, staged, quarantined, failures]) counter.inc(labels, 0);
        }
      }
      for (const reason of THROTTLE_REASONS) throttled.inc({ reason }, 0);
    },
    setState,
    setWorkers: (n) => workers.set(n),
    setMaxConnections: (n) => {
      max = n;
      maxConnections.set(n);
    },
  };
}
