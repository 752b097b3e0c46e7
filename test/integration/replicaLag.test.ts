/**
 * Real replica lag: a dedicated primary (wal_level replica) and a streaming standby delayed on
 * purpose (recovery_min_apply_delay 3 s, a common disaster-recovery standby), so that every commit
 * reaches its replay late. An idle standby that has replayed everything counts as caught up,
 * however old its last replayed transaction; so does a standby whose last reply to the primary
 * says so, though pg_stat_replication still shows its last lag. A standby waiting out its delay has
 * no lag through --replica; WAL that came in after the gate last found a standby caught up is no
 * older than that reading, however long the primary sat idle before it (on the standby and in
 * pg_stat_replication). A run beside the delayed standby finishes, with and without --replica; a
 * standby whose replay is paused holds the run, with no commit of its idle workers, until it is
 * resumed.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeHealth, replicaLag } from '../../runner/health/healthProbe.js';
import { newLagMemory } from '../../runner/health/standbyLag.js';
import type { RunOptions } from '../../runner/run/runPipeline.js';
import { runPipeline } from '../../runner/run/runPipeline.js';
import { type DedicatedServer, freePort, packageOfMajor, startDedicated } from '../support/dedicatedServer.js';
import { until } from '../support/poll.js';
import { sleep } from '../../runner/sleep.js';
import { type Replica, startReplica } from '../support/replica.js';
import { PGBOUNCER, startPgBouncer } from '../support/pgbouncer.js';
import { startTcpProxy } from '../support/tcpProxy.js';
import { fixturePhases } from '../support/runnerFixture.js';

const ROWS = 2_000;

describe('replica lag', () => {
  let primary: DedicatedServer;
  let replica: Replica;
  let client: pg.Client;
  let standby: pg.Client;

  beforeAll(async () => {
    primary = await startDedicated({
      name: 'replica',
      rows: ROWS,
      settings: { wal_level: 'replica', max_wal_senders: '4', wal_keep_size: '256MB' },
    });
    client = primary.client;
    replica = await startReplica(primary.server, { port: await freePort(), applyDelay: '3s', packageName: packageOfMajor(primary.major) });
    standby = new pg.Client({ connectionString: replica.url });
    await standby.connect();
  }, 120_000);
  afterAll(async () => {
    await standby?.end().catch(() => {});
    await replica?.stop();
    await primary?.stop();
  });

  /** WAL the standby received and has not replayed. */
  const pending = async () =>
    (await standby.query<{ pending: boolean }>('SELECT pg_last_wal_receive_lsn() <> pg_last_wal_replay_lsn() AS pending')).rows[0]!.pending;
  /** Commits a transaction and waits until the standby has replayed it and all before it. */
  const caughtUpNow = async () => {
    await client.query('SELECT pg_current_xact_id()');
    const { rows } = await client.query<{ lsn: string }>('SELECT pg_current_wal_insert_lsn()::text AS lsn');
    await until(
      async () => (await standby.query<{ ok: boolean }>('SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS ok', [rows[0]!.lsn])).rows[0]!.ok,
      'the replica to catch up',
    );
  };
  const target = { runId: '0', tables: [], throttleQuery: null, signals: true };

  it('counts an idle replica that replayed all it received as caught up', async () => {
    await client.query('CREATE TABLE fixture.ping ()'); // a transaction for the replica to replay
    await caughtUpNow();
    await new Promise((r) => setTimeout(r, 2_500)); // idle: the last replayed transaction grows old
    const { rows } = await standby.query<{ old: boolean }>(`SELECT now() - pg_last_xact_replay_timestamp() > interval '2 s' AS old`);
    expect(rows[0]!.old).toBe(true);
    expect(await replicaLag(standby)).toBe(0);
    await expect(replicaLag(client)).rejects.toThrow(/not a standby/);
  });

  it('counts a standby that reported replaying all it was sent as caught up on the primary, whatever replay_lag still shows', async () => {
    // replay_lag keeps the last lag it measured (here about the 3 s apply delay) until two replies
    // in a row say the standby caught up; read the probe while that stale figure is on show.
    const caughtUp = `SELECT replay_lsn >= sent_lsn AND replay_lag > interval '1 s' AS stale FROM pg_stat_replication`;
    await client.query('CREATE TABLE fixture.ping_primary ()');
    // A gate that has watched this standby for a long time: no bound since a caught-up reading.
    const memory = newLagMemory();
    const { rows } = await client.query<{ pid: number }>('SELECT pid FROM pg_stat_replication');
    memory.walSenders.set(rows[0]!.pid, 0);
    const lag = await until(async () => {
      if (!(await client.query<{ stale: boolean }>(caughtUp)).rows[0]?.stale) return null;
      const { sample } = await probeHealth(client, [], target, memory);
      // Only a reading taken while the row stayed caught up (no WAL of others in between) counts.
      return (await client.query<{ stale: boolean }>(caughtUp)).rows[0]?.stale ? { ms: sample.replicaLagMs } : null;
    }, 'the standby to report that it replayed the commit');
    expect(lag.ms).toBe(0);
  });

  it('reads a standby that waits out its apply delay as caught up, however long the primary sat idle before', async () => {
    await caughtUpNow();
    await sleep(6_000); // idle: the last replayed transaction grows old
    await client.query('CREATE TABLE fixture.ping_delay ()'); // replayed 3 s later
    await until(
      async () => (await standby.query(`SELECT 1 FROM pg_stat_activity WHERE backend_type = 'startup' AND wait_event = 'RecoveryApplyDelay'`)).rows.length > 0,
      'the standby to wait out its delay',
    );
    const lag = await replicaLag(standby);
    const { rows } = await standby.query<{ age: number }>(`SELECT extract(epoch FROM now() - pg_last_xact_replay_timestamp()) * 1000 AS age`);
    expect(await pending(), 'read while the commit waited').toBe(true);
    expect(Number(rows[0]!.age), 'the age of the last replayed transaction').toBeGreaterThan(6_000);
    expect(lag).toBe(0);
  });

  it('bounds the lag of WAL that came in after the standby was last found caught up (or first read) by the time since then', async () => {
    await caughtUpNow();
    await sleep(6_000); // idle: the last replayed transaction grows old
    const seen = new Map<object, number>();
    const caughtUpAt = Date.now();
    expect(await replicaLag(standby, seen)).toBe(0);
    await standby.query('SELECT pg_wal_replay_pause()'); // really behind: nothing is replayed
    try {
      await client.query('CREATE TABLE fixture.ping_bound ()');
      await until(pending, 'the commit to reach the replica');
      const bounded = await replicaLag(standby, seen);
      const elapsed = Date.now() - caughtUpAt;
      const unbounded = await replicaLag(standby);
      expect(unbounded, 'the age of the last replayed transaction less the 3 s delay').toBeGreaterThan(2_500);
      expect(bounded).toBeGreaterThan(0);
      expect(bounded).toBeLessThanOrEqual(elapsed);
      expect(await replicaLag(standby, new Map()), 'a first reading').toBe(0);
    } finally {
      await standby.query('SELECT pg_wal_replay_resume()');
    }
  });

  const run = (viaReplica: boolean | string, warnings: string[] = [], leaseMs?: number) =>
    runPipeline({
      url: primary.server.url,
      ...(leaseMs ? { leaseMs } : {}),
      phaseList: fixturePhases(),
      workers: 2,
      fresh: true,
      batch: { initial: 100, min: 100, max: 100, targetMs: 1_000 },
      // A hung run fails the test in a minute rather than an hour.
      health: { replicas: viaReplica ? [typeof viaReplica === 'string' ? viaReplica : replica.url] : [], intervalMs: 100, throttleTimeoutMs: 60_000 },
      log: { debug: () => {}, info: () => {}, error: () => {}, warn: (m: string) => void warnings.push(m) },
    } satisfies RunOptions);
  const copied = async () => {
    const { rows } = await client.query<{ n: number; d: number }>('SELECT count(*)::int AS n, count(DISTINCT src_id)::int AS d FROM fixture.dst');
    return rows[0]!;
  };

  it.each([
    ['pg_stat_replication', false],
    ['--replica', true],
  ])('a run beside the delayed standby and an application committing 5 times a second finishes, reading the standby through %s', async (_, viaReplica) => {
    await client.query('TRUNCATE fixture.dst');
    // Batches of 100 rows that take 150 ms each: 20 of them, every one replayed 3 s late.
    await client.query(`ALTER DATABASE postgres SET fixture.sleep_ms = 150`);
    // Another application's commits: the standby never replays all it was sent while they go on.
    const app = new pg.Client({ connectionString: primary.server.url });
    await app.connect();
    let writing = true;
    const writes = (async () => {
      while (writing) {
        await app.query('SELECT pg_current_xact_id()');
        await sleep(200);
      }
    })();
    const warnings: string[] = [];
    const started = Date.now();
    const report = await run(viaReplica, warnings).finally(async () => {
      writing = false;
      await writes;
      await app.end();
    });
    console.log(
      `${viaReplica ? '--replica' : 'pg_stat_replication'}: ${report.status} in ${Date.now() - started} ms, throttled ${JSON.stringify(report.throttledSeconds)}, ${warnings.filter((w) => w.startsWith('throttled')).length} throttles`,
    );
    expect(report.status).toBe('done');
    expect(report.throttledSeconds).toBeDefined();
    expect(await copied()).toEqual({ n: ROWS, d: ROWS });
  });

  it.skipIf(!PGBOUNCER)('reads a --replica behind a transaction-mode PgBouncer, which refuses a statement_timeout startup parameter', async () => {
    await client.query('TRUNCATE fixture.dst');
    await client.query(`ALTER DATABASE postgres SET fixture.sleep_ms = 20`);
    const bouncer = await startPgBouncer(replica.url, 'transaction');
    try {
      const warnings: string[] = [];
      const report = await run(bouncer.url, warnings);
      expect(report.status).toBe('done');
      expect(warnings.filter((w) => /--replica|probe failed|startup parameter/.test(w))).toEqual([]);
      expect(await copied()).toEqual({ n: ROWS, d: ROWS });
    } finally {
      await bouncer.stop();
    }
  });

  it('a --replica that goes silent mid-run throttles it with the reason, and the run goes on once the standby answers again', async () => {
    await client.query('TRUNCATE fixture.dst');
    await client.query(`ALTER DATABASE postgres SET fixture.sleep_ms = 300`);
    const proxy = await startTcpProxy(replica.url);
    try {
      const running = run(proxy.url);
      await until(async () => (await copied()).n > 0, 'the first batch');
      proxy.silent = true; // the gate's connection to the standby now waits for an answer that never comes
      await until(async () => {
        const { rows } = await client.query<{ state: string; reason: string | null }>(
          `SELECT state, reason FROM pgphase.run_runners ORDER BY started_at DESC LIMIT 1`,
        );
        return rows[0]?.state === 'throttled' && /^replica lag unknown: --replica 1: /.test(rows[0].reason ?? '');
      }, 'the run to throttle on the silent standby');
      proxy.silent = false;
      const report = await running;
      expect(report.status).toBe('done');
      expect(report.throttledSeconds!['replica lag']).toBeGreaterThan(0);
      expect(await copied()).toEqual({ n: ROWS, d: ROWS });
    } finally {
      proxy.silent = false;
      await proxy.close();
    }
  });

  it.each([
    ['pg_stat_replication', false],
    ['--replica', true],
  ])('a standby whose replay is paused holds the run (read through %s), its workers committing nothing, until it is resumed', async (_, viaReplica) => {
    await client.query('TRUNCATE fixture.dst');
    await client.query(`ALTER DATABASE postgres SET fixture.sleep_ms = 300`);
    await caughtUpNow();
    await standby.query('SELECT pg_wal_replay_pause()');
    let paused = true;
    try {
      const running = run(viaReplica, [], 600_000);
      const runner = async () =>
        (await client.query<{ state: string; reason: string | null }>(`SELECT state, reason FROM pgphase.run_runners ORDER BY started_at DESC LIMIT 1`))
          .rows[0];
      await until(async () => {
        const r = await runner();
        return r?.state === 'throttled' && /^replica lag \d/.test(r.reason ?? '');
      }, 'the run to throttle on the paused standby');
      await sleep(1_000); // the batches in flight when the gate closed commit
      // Rows changed or locked in the run's partitions: a claim, a batch, a split or a split's row
      // lock. The process's lease heartbeat (runner/run/presence.ts) is the one write a throttled
      // run keeps making, every sixth of the lease and at a change of state: with a 10 min lease
      // none falls in this window after the throttle began.
      const partitions = `SELECT id::text, status, next_key::text, hi::text, lease_owner, xmin::text, xmax::text FROM pgphase.partitions
                           WHERE run_id = (SELECT max(id) FROM pgphase.runs) ORDER BY id`;
      const before = (await client.query(partitions)).rows;
      const rowsBefore = (await copied()).n;
      await sleep(3_000);
      expect((await client.query(partitions)).rows).toEqual(before);
      expect((await copied()).n).toBe(rowsBefore);
      expect(rowsBefore).toBeLessThan(ROWS);
      expect((await runner())?.state).toBe('throttled');
      await standby.query('SELECT pg_wal_replay_resume()');
      paused = false;
      const report = await running;
      console.log(`paused standby via ${viaReplica ? '--replica' : 'pg_stat_replication'}: throttled ${JSON.stringify(report.throttledSeconds)}`);
      expect(report.status).toBe('done');
      expect(report.throttledSeconds!['replica lag']).toBeGreaterThan(3);
      expect(await copied()).toEqual({ n: ROWS, d: ROWS });
    } finally {
      if (paused) await standby.query('SELECT pg_wal_replay_resume()');
    }
  });
});
