/**
 * Replication slots holding back the xmin horizon, for real. A dedicated primary (wal_level
 * logical) streams to a standby through a physical slot with hot_standby_feedback = on: a
 * transaction left open on the standby pins the slot's xmin, and once more transactions than
 * --max-slot-xids have gone by (burnt cheaply, one committed transaction each) the runner
 * throttles with `xmin horizon` until the standby's transaction ends, then finishes with every
 * row copied once. A second standby with hot_standby_feedback but no slot holds the horizon
 * through its walsender's backend_xmin: the same. A logical slot holds only catalog_xmin (vacuum
 * of the system catalogs): it does not hold the phase back, however old.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_THRESHOLDS } from '../../runner/health/healthDecision.js';
import { type RunOptions, runPipeline } from '../../runner/run/runPipeline.js';
import { BURN_XIDS_SQL, type DedicatedServer, freePort, packageOfMajor, startDedicated } from '../support/dedicatedServer.js';
import { until } from '../support/poll.js';
import { type Replica, startReplica } from '../support/replica.js';
import { fixturePhases } from '../support/runnerFixture.js';

const ROWS = 2_000;
const SLOT = 'standby_feedback';

describe('replication slots and the xmin horizon', () => {
  let primary: DedicatedServer;
  let replica: Replica;
  let standby: pg.Client;
  let slotless: Replica;
  let slotlessStandby: pg.Client;
  const q = async <R extends pg.QueryResultRow>(sql: string) => (await primary.client.query<R>(sql)).rows;

  beforeAll(async () => {
    primary = await startDedicated({
      name: 'slots',
      rows: ROWS,
      settings: { wal_level: 'logical', max_wal_senders: '4', max_replication_slots: '4', wal_keep_size: '64MB' },
    });
    await q(BURN_XIDS_SQL);
    await q(`SELECT pg_create_physical_replication_slot('${SLOT}', true)`);
    replica = await startReplica(primary.server, {
      port: await freePort(),
      packageName: packageOfMajor(primary.major),
      settings: { primary_slot_name: SLOT, hot_standby_feedback: 'on', wal_receiver_status_interval: '1s' },
    });
    standby = new pg.Client({ connectionString: replica.url, application_name: 'standby report' });
    await standby.connect();
    slotless = await startReplica(primary.server, {
      port: await freePort(),
      name: 'slotless',
      packageName: packageOfMajor(primary.major),
      settings: { hot_standby_feedback: 'on', wal_receiver_status_interval: '1s' },
    });
    slotlessStandby = new pg.Client({ connectionString: slotless.url, application_name: 'standby report' });
    await slotlessStandby.connect();
  }, 120_000);
  afterAll(async () => {
    await standby?.end().catch(() => {});
    await slotlessStandby?.end().catch(() => {});
    await replica?.stop();
    await slotless?.stop();
    await primary?.stop();
  });

  const run = (health: RunOptions['health']) =>
    runPipeline({
      url: primary.server.url,
      phaseList: fixturePhases(),
      workers: 2,
      fresh: true,
      batch: { initial: 500, min: 50, max: 500, targetMs: 1_000 },
      health: { intervalMs: 100, ...health },
    });
  const runnerState = async () =>
    (await q<{ state: string; reason: string | null }>(`SELECT state, reason FROM pgphase.run_runners ORDER BY started_at DESC LIMIT 1`))[0];
  const copied = async () => (await q<{ n: number; d: number }>('SELECT count(*)::int AS n, count(DISTINCT src_id)::int AS d FROM fixture.dst'))[0]!;

  it("throttles while a standby's open transaction pins its slot's xmin past --max-slot-xids, and finishes once it ends", async () => {
    await q('TRUNCATE fixture.dst');
    await standby.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    let done: ReturnType<typeof run> | undefined;
    try {
      await standby.query('SELECT count(*) FROM fixture.src');
      await until(
        async () => (await q(`SELECT 1 FROM pg_replication_slots WHERE slot_name = '${SLOT}' AND xmin IS NOT NULL`)).length > 0,
        'the standby feedback',
      );
      await q('CALL burn_xids(3000)');
      const [slot] = await q<{ xids: number }>(`SELECT age(xmin)::int AS xids FROM pg_replication_slots WHERE slot_name = '${SLOT}'`);
      expect(slot!.xids).toBeGreaterThanOrEqual(3_000);
      await until(
        async () => (await q(`SELECT 1 FROM pg_stat_replication WHERE application_name = 'slotless' AND age(backend_xmin) < 1000`)).length > 0,
        'the other standby to follow',
      );

      done = run({ thresholds: { ...DEFAULT_THRESHOLDS, maxSlotXids: 1_000, maxLagMs: 600_000 } });
      const state = await until(async () => ((await runnerState())?.state === 'throttled' ? runnerState() : null), 'the runner to throttle');
      expect(state!.reason).toMatch(new RegExp(`^xmin horizon: replication slot ${SLOT} holds \\d+ transactions > 1000$`));
      expect((await copied()).n).toBe(0);
    } finally {
      await standby.query('COMMIT'); // the next feedback (within 1 s) moves the slot's xmin on
    }
    const report = await done!;
    expect(report.status).toBe('done');
    expect(report.throttledSeconds!['xmin horizon']).toBeGreaterThan(0);
    const [events] = await q<{ n: number }>(
      `SELECT count(*)::int AS n FROM pgphase.throttle_events WHERE run_id = ${report.runId} AND reason = 'xmin horizon'`,
    );
    expect(events!.n).toBeGreaterThan(0);
    expect(await copied()).toEqual({ n: ROWS, d: ROWS });
  });

  it("throttles while a standby without a slot holds the horizon through hot_standby_feedback (the walsender's xmin)", async () => {
    await q('TRUNCATE fixture.dst');
    await slotlessStandby.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    let done: ReturnType<typeof run> | undefined;
    try {
      await slotlessStandby.query('SELECT count(*) FROM fixture.src');
      await until(
        async () => (await q(`SELECT 1 FROM pg_stat_replication WHERE application_name = 'slotless' AND backend_xmin IS NOT NULL`)).length > 0,
        'the feedback',
      );
      await q('CALL burn_xids(3000)');
      await until(
        async () => (await q(`SELECT 1 FROM pg_replication_slots WHERE slot_name = '${SLOT}' AND age(xmin) < 1000`)).length > 0,
        'the slot standby to follow',
      );
      const [walsender] = await q<{ xids: number }>(`SELECT age(backend_xmin)::int AS xids FROM pg_stat_replication WHERE application_name = 'slotless'`);
      expect(walsender!.xids).toBeGreaterThanOrEqual(3_000);

      done = run({ thresholds: { ...DEFAULT_THRESHOLDS, maxSlotXids: 1_000, maxLagMs: 600_000 } });
      const state = await until(async () => ((await runnerState())?.state === 'throttled' ? runnerState() : null), 'the runner to throttle');
      expect(state!.reason).toMatch(/^xmin horizon: standby slotless \(hot_standby_feedback, no slot\) holds \d+ transactions > 1000$/);
      expect((await copied()).n).toBe(0);
    } finally {
      await slotlessStandby.query('COMMIT');
    }
    const report = await done!;
    expect(report.status).toBe('done');
    expect(report.throttledSeconds!['xmin horizon']).toBeGreaterThan(0);
    expect(await copied()).toEqual({ n: ROWS, d: ROWS });
  });

  it('a logical slot holding only catalog_xmin, however old, does not hold the phase back', async () => {
    await q('TRUNCATE fixture.dst');
    await q(`SELECT pg_create_logical_replication_slot('stale_decoder', 'test_decoding')`);
    try {
      await q('CALL burn_xids(3000)');
      const [slot] = await q<{ xmin: string | null; catalog: number }>(
        `SELECT xmin::text, age(catalog_xmin)::int AS catalog FROM pg_replication_slots WHERE slot_name = 'stale_decoder'`,
      );
      expect(slot).toEqual({ xmin: null, catalog: expect.any(Number) });
      expect(slot!.catalog).toBeGreaterThan(3_000);
      // The standbys follow once they have replayed the burnt transactions.
      await until(
        async () =>
          (await q(`SELECT 1 FROM pg_replication_slots WHERE slot_name = '${SLOT}' AND age(xmin) < 1000`)).length > 0 &&
          (await q(`SELECT 1 FROM pg_stat_replication WHERE application_name = 'slotless' AND age(backend_xmin) < 1000`)).length > 0,
        'the standbys to follow',
      );
      // Were it counted, the run would throttle and stop after 3 s.
      const report = await run({ thresholds: { ...DEFAULT_THRESHOLDS, maxSlotXids: 1_000, maxLagMs: 600_000 }, throttleTimeoutMs: 3_000 });
      expect(report.status).toBe('done');
      expect(report.throttledSeconds).toEqual({});
      expect(await copied()).toEqual({ n: ROWS, d: ROWS });
    } finally {
      await q(`SELECT pg_drop_replication_slot('stale_decoder')`);
    }
  });
});
