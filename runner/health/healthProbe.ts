/**
 * The health gate's probe: one query on the primary for every signal and the run's control row
 * (the ledger's subquery, CONTROL_ROW_SQL of runner/ledger/control.ts),
 * plus the --throttle-query and one query per --replica when given. Cheap when healthy: the lock
 * check calls pg_blocking_pids only for sessions that wait on a lock, the vacuum check reads
 * pg_stat_progress_vacuum (empty most of the time). Runner sessions are recognised by their
 * application_name, `pgphase run <host>:<pid>`, which the runner sets on every connection.
 * Without pg_monitor (or pg_read_all_stats) a role sees other users' sessions without state or
 * application_name: load and lock waits then count only its own; `pgphase doctor` says so.
 * Standbys count by the xmin their hot_standby_feedback holds on the primary, which keeps the
 * dead rows of every table in every database: a replication slot's `xmin`, or, for a standby
 * without a slot, its walsender's `backend_xmin` (pg_stat_replication; a walsender is not a
 * client backend, so the oldest-transaction signal never sees it). A logical slot's
 * `catalog_xmin` holds back vacuum of the system catalogs only, which the phase's batches hardly
 * touch; waiting would not help it, so it does not throttle.
 * A standby whose last reply says it replayed all it was sent counts as caught up: `replay_lag`
 * keeps showing the last lag it measured until the standby reports being caught up twice in a row
 * (every wal_receiver_status_interval, 10 s), and the runner's own heartbeat while it waits (every
 * 5 s) would keep that stale figure forever, so a throttled run would never go on. Which lag of a
 * standby counts (a delayed standby, one read through --replica, the first WAL after an idle
 * primary) is standbyLag.ts's.
 */
import pg from 'pg';
import { CONTROL_ROW_SQL, readControl, type RunControl } from '../ledger/control.js';
import type { HealthSample } from './healthDecision.js';
import { transaction, type TransactionSettings } from '../db/transaction.js';
import type { ReplicaLink } from './replicaLink.js';
import { within } from '../sleep.js';
import { boundedLag, newLagMemory, replicaLagOf, type LagMemory, type WalSenderReading, walSenderLag } from './standbyLag.js';

export const RUNNER_APP_PREFIX = 'pgphase run ';

const PRIMARY_SQL = `
WITH a AS MATERIALIZED (
  SELECT pid, datname, state, backend_type, xact_start, backend_xmin, backend_xid, wait_event_type,
         coalesce(application_name, '') LIKE '${RUNNER_APP_PREFIX}%' AS runner
    FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid())
SELECT
  (SELECT coalesce(json_agg(json_build_object(
            'pid', pid,
            'replayMs', CASE WHEN replay_lsn >= sent_lsn THEN 0 ELSE extract(epoch FROM replay_lag) * 1000 END,
            'flushMs', CASE WHEN flush_lsn >= sent_lsn THEN 0 ELSE extract(epoch FROM flush_lag) * 1000 END,
            'replayedMark', replay_lsn >= $3::pg_lsn)), '[]')
     FROM pg_stat_replication) AS standbys,
  pg_current_wal_insert_lsn()::text AS wal_lsn,
  (SELECT count(*)::int FROM a WHERE state = 'active' AND NOT runner) AS active,
  (SELECT json_build_object('pid', pid, 'ageMs', extract(epoch FROM now() - xact_start) * 1000) FROM a
    WHERE datname = current_database() AND xact_start IS NOT NULL AND (backend_xmin IS NOT NULL OR backend_xid IS NOT NULL) AND NOT runner
    ORDER BY xact_start LIMIT 1) AS oldest_xact,
  (SELECT json_build_object('holder', holder, 'xids', xids) FROM (
      SELECT 'replication slot ' || slot_name AS holder, age(xmin) AS xids FROM pg_replication_slots WHERE xmin IS NOT NULL
      UNION ALL
      SELECT 'standby ' || coalesce(nullif(application_name, ''), 'pid ' || pid) || ' (hot_standby_feedback, no slot)', age(backend_xmin)
        FROM pg_stat_replication
       WHERE backend_xmin IS NOT NULL) h
    ORDER BY xids DESC LIMIT 1) AS oldest_slot,
  (SELECT count(*)::int FROM a w WHERE w.wait_event_type = 'Lock' AND NOT w.runner
      AND EXISTS (SELECT 1 FROM a r WHERE r.runner AND r.pid = ANY (pg_blocking_pids(w.pid)))) AS blocked,
  (SELECT coalesce(array_agg(v.relid::regclass::text ORDER BY 1), '{}') FROM pg_stat_progress_vacuum v
    WHERE v.datname = current_database() AND v.relid IN (SELECT to_regclass(t) FROM unnest($2::text[]) t)
      AND (SELECT query FROM pg_stat_activity x WHERE x.pid = v.pid) LIKE '%to prevent wraparound%') AS wraparound,
  ${CONTROL_ROW_SQL} AS control`;

/** A standby's probe waits at most this long (set per transaction: a pooler may sit in front of it). */
const REPLICA_TIMEOUTS: TransactionSettings = { statementTimeoutMs: 5_000 };
/** Connecting (5 s at most, replicaLink.ts) and reading, past which the standby is taken as silent. */
const REPLICA_DEADLINE_MS = 6_000;

const REPLICA_SQL = `
SELECT pg_is_in_recovery() AS standby,
       pg_last_wal_receive_lsn() IS NOT NULL AND pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() AS caught_up,
       CASE WHEN pg_is_in_recovery() THEN NOT pg_is_wal_replay_paused() AND EXISTS (
         SELECT 1 FROM pg_stat_activity WHERE backend_type = 'startup' AND wait_event = 'RecoveryApplyDelay') END AS delaying,
       (extract(epoch FROM now() - pg_last_xact_replay_timestamp()) * 1000)::float8 AS age_ms,
       (SELECT setting::float8 FROM pg_settings WHERE name = 'recovery_min_apply_delay') AS delay_ms`;

export interface ProbeTarget {
  readonly runId: string;
  /** Tables the phase reads or writes (schema-qualified). */
  readonly tables: readonly string[];
  readonly throttleQuery: string | null;
  /** Health signals at all (false: --no-health-gate reads only the control row). */
  readonly signals: boolean;
}

export interface Probe {
  readonly sample: HealthSample;
  readonly control: RunControl | null;
  /** The primary's WAL position when it was read (the gate's mark when a replica-lag throttle begins). */
  readonly walLsn: string | null;
}

/**
 * Replay lag of one standby beyond its recovery_min_apply_delay, ms (standbyLag.ts): 0 when it has
 * replayed all it received (an idle primary makes the last replayed transaction old without any
 * lag) or waits out its delay; unknown (an error, which throttles) while WAL waits and none was
 * replayed yet. With `seen` (the gate's, kept across probes) it is at most the time since this
 * standby was last found caught up, or first read.
 */
export async function replicaLag(client: pg.ClientBase, seen?: Map<object, number>, key: object = client): Promise<number> {
  const asked = Date.now();
  type Row = { standby: boolean; caught_up: boolean; delaying: boolean; age_ms: number | null; delay_ms: number | null };
  const { rows } = await transaction(client, () => client.query<Row>(REPLICA_SQL), REPLICA_TIMEOUTS);
  const r = rows[0];
  if (!r?.standby) throw new Error('not a standby (pg_is_in_recovery() is false)');
  const lag = replicaLagOf({ caughtUp: r.caught_up, delaying: r.delaying, ageMs: r.age_ms, delayMs: r.delay_ms ?? 0 });
  if (lag === null) throw new Error('WAL waits to be replayed and no transaction was replayed yet');
  return seen ? boundedLag(seen, key, lag, asked) : lag;
}

export async function probeHealth(
  primary: pg.ClientBase,
  replicas: readonly ReplicaLink[],
  target: ProbeTarget,
  memory: LagMemory = newLagMemory(),
): Promise<Probe> {
  if (!target.signals) {
    const control = await readControl(primary, target.runId);
    const sample: HealthSample = {
      replicaLagMs: null,
      activeBackends: 0,
      oldestXact: null,
      oldestSlot: null,
      blockedByRunner: 0,
      wraparoundVacuum: [],
      throttleQuery: null,
      pause: pauseOf(control),
    };
    return { sample, control, walLsn: null };
  }
  const { rows } = await primary.query<{
    standbys: WalSenderReading[];
    wal_lsn: string;
    active: number;
    oldest_xact: { pid: number; ageMs: number } | null;
    oldest_slot: { holder: string; xids: number } | null;
    blocked: number;
    wraparound: string[];
    control: RunControl | null;
  }>(PRIMARY_SQL, [target.runId, target.tables, memory.mark]); // unnamed: a named prepared statement lives in one server session, which a pooler does not keep
  const r = rows[0]!;
  let lag = walSenderLag(r.standbys, memory, Date.now(), replicas.length > 0);
  let replicaError: string | null = null;
  for (const [i, link] of replicas.entries()) {
    try {
      // A standby that went silent would hold the probe, and so every worker, forever: the reading
      // has a deadline, and the connection is dropped and made again at the next probe.
      const reading = link.client().then((client) => replicaLag(client, memory.replicas, link));
      lag = Math.max(lag ?? 0, await within(reading, REPLICA_DEADLINE_MS, 'reading the standby'));
    } catch (error) {
      link.drop();
      replicaError = `--replica ${i + 1}: ${error instanceof Error ? error.message : String(error)}`;
    }
  }
  let throttle: boolean | null = null;
  if (target.throttleQuery) {
    const { rows: q } = await primary.query({ text: target.throttleQuery, rowMode: 'array' });
    throttle = q[0]?.[0] === true || q[0]?.[0] === 't';
  }
  const sample: HealthSample = {
    replicaLagMs: lag,
    replicaError,
    activeBackends: r.active,
    oldestXact: r.oldest_xact,
    oldestSlot: r.oldest_slot,
    blockedByRunner: r.blocked,
    wraparoundVacuum: r.wraparound,
    throttleQuery: throttle,
    pause: pauseOf(r.control),
  };
  return { sample, control: r.control, walLsn: r.wal_lsn };
}

function pauseOf(control: RunControl | null): HealthSample['pause'] {
  if (!control?.paused) return null;
  return { kind: control.pauseKind, reason: control.pauseReason ?? 'paused by an operator (pgphase resume to continue)' };
}
