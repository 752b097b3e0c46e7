/**
 * Real replica lag: a dedicated embedded primary (wal_level replica) and a streaming replica made
 * from the embedded binaries with recovery_min_apply_delay, so that every commit reaches the
 * replica late. The runner throttles while the lag is over --max-lag, finishes after it falls,
 * and the report's throttled seconds for `replica lag` are > 0. An idle replica that has replayed
 * everything counts as caught up, however old its last replayed transaction; so does a standby
 * whose last reply to the primary says so, though pg_stat_replication still shows its last lag.
 * WAL that came in after the gate last found the standby caught up is no older than that reading,
 * however long the primary sat idle before it.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeHealth, replicaLag } from '../../runner/health/healthProbe.js';
import { runPipeline } from '../../runner/run/runPipeline.js';
import { type DedicatedServer, freePort, packageOfMajor, startDedicated } from '../support/dedicatedServer.js';
import { until } from '../support/poll.js';
import { type Replica, startReplica } from '../support/replica.js';
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
    replica = await startReplica(primary.server, { port: await freePort(), applyDelay: '2s', packageName: packageOfMajor(primary.major) });
    standby = new pg.Client({ connectionString: replica.url });
    await standby.connect();
  }, 120_000);
  afterAll(async () => {
    await standby?.end().catch(() => {});
    await replica?.stop();
    await primary?.stop();
  });

  it('counts an idle replica that replayed all it received as caught up', async () => {
    await client.query('CREATE TABLE fixture.ping ()'); // a transaction for the replica to replay
    await until(async () => (await replicaLag(standby).catch(() => -1)) === 0, 'the replica to catch up');
    await new Promise((r) => setTimeout(r, 2_500)); // idle: the last replayed transaction grows old
    const { rows } = await standby.query<{ old: boolean }>(`SELECT now() - pg_last_xact_replay_timestamp() > interval '2 s' AS old`);
    expect(rows[0]!.old).toBe(true);
    expect(await replicaLag(standby)).toBe(0);
    await expect(replicaLag(client)).rejects.toThrow(/not a standby/);
  });

  it('counts a standby that reported replaying all it was sent as caught up on the primary, whatever replay_lag still shows', async () => {
    // replay_lag keeps the last lag it measured (here about the 2 s apply delay) until two replies
    // in a row say the standby caught up; read the probe while that stale figure is on show.
    const caughtUp = `SELECT replay_lsn >= sent_lsn AND replay_lag > interval '1 s' AS stale FROM pg_stat_replication`;
    const target = { runId: '0', tables: [], throttleQuery: null, signals: true };
    await client.query('CREATE TABLE fixture.ping_primary ()');
    const lag = await until(async () => {
      if (!(await client.query<{ stale: boolean }>(caughtUp)).rows[0]?.stale) return null;
      const { sample } = await probeHealth(client, [], target);
      // Only a reading taken while the row stayed caught up (no WAL of others in between) counts.
      return (await client.query<{ stale: boolean }>(caughtUp)).rows[0]?.stale ? { ms: sample.replicaLagMs } : null;
    }, 'the standby to report that it replayed the commit');
    expect(lag.ms).toBe(0);
  });

  it('bounds the lag of WAL that came in after the standby was last found caught up by the time since then', async () => {
    await until(async () => (await replicaLag(standby).catch(() => -1)) === 0, 'the replica to catch up');
    await new Promise((r) => setTimeout(r, 3_000)); // idle: the last replayed transaction grows old
    const caughtUp = new Map<pg.ClientBase, number>();
    const seen = Date.now();
    expect(await replicaLag(standby, caughtUp)).toBe(0);
    await client.query('CREATE TABLE fixture.ping_bound ()'); // replayed 2 s later
    await until(
      async () => (await standby.query<{ pending: boolean }>('SELECT pg_last_wal_receive_lsn() <> pg_last_wal_replay_lsn() AS pending')).rows[0]!.pending,
      'the commit to reach the replica',
    );
    const bounded = await replicaLag(standby, caughtUp);
    const unbounded = await replicaLag(standby);
    const elapsed = Date.now() - seen;
    expect(unbounded, 'the age of the last replayed transaction').toBeGreaterThan(3_000);
    expect(bounded).toBeGreaterThan(0);
    expect(bounded).toBeLessThanOrEqual(elapsed);
  });

  it('throttles while the replica lags behind --max-lag and finishes once it catches up', async () => {
    const warnings: string[] = [];
    const log = { debug: () => {}, info: () => {}, error: () => {}, warn: (m: string) => void warnings.push(m) };
    // Batches of 500 rows that take 150 ms each: the first ones commit before the gate probes again,
    // and the rest have to wait for the replica to replay them.
    await client.query(`ALTER DATABASE postgres SET fixture.sleep_ms = 150`);
    const report = await runPipeline({
      url: primary.server.url,
      phaseList: fixturePhases(),
      workers: 2,
      fresh: true,
      batch: { initial: 500, min: 100, max: 500, targetMs: 1_000 },
      health: { replicas: [replica.url], intervalMs: 100 },
      log,
    });
    expect(report.status).toBe('done');
    expect(report.throttledSeconds!['replica lag']).toBeGreaterThan(0);
    expect(warnings.some((w) => /^throttled: replica lag \d+(\.\d)? s > 1 s$/.test(w))).toBe(true);
    const { rows } = await client.query<{ n: number; d: number }>('SELECT count(*)::int AS n, count(DISTINCT src_id)::int AS d FROM fixture.dst');
    expect(rows[0]).toEqual({ n: ROWS, d: ROWS });
  });
});
