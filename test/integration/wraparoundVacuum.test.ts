/**
 * An anti-wraparound autovacuum on a table the phase reads, for real, in a few seconds: on a
 * dedicated server (autovacuum_naptime 1 s), fixture.src gets autovacuum_freeze_max_age 100000
 * (the least allowed) and freeze ages 0 (the vacuum must freeze every row, so it is aggressive);
 * 110,000 transaction ids are burnt (about 1 s); autovacuum then starts `VACUUM fixture.src (to
 * prevent wraparound)`, which waits for a cleanup lock (BufferPin) on the page a cursor holds
 * pinned, so it stays in pg_stat_progress_vacuum for as long as the test wants. The runner
 * throttles with `wraparound vacuum` meanwhile and finishes once the cursor closes and the vacuum
 * ends, every row copied once. The same for fixture.dst, which the phase writes, once the phase
 * declares it in `outputs`.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPipeline } from '../../runner/run/runPipeline.js';
import { BURN_XIDS_SQL, type DedicatedServer, startDedicated } from '../support/dedicatedServer.js';
import { until } from '../support/poll.js';
import { fixturePhases } from '../support/runnerFixture.js';

const ROWS = 2_000;

describe('anti-wraparound autovacuum', () => {
  let server: DedicatedServer;
  let pin: pg.Client;
  const q = async <R extends pg.QueryResultRow>(sql: string) => (await server.client.query<R>(sql)).rows;

  beforeAll(async () => {
    server = await startDedicated({
      name: 'wraparound',
      rows: ROWS,
      settings: { autovacuum_naptime: '1s' },
      // No ordinary autovacuum on it: only the one against wraparound, which no setting turns off.
      beforeRows: `ALTER TABLE fixture.src SET (autovacuum_enabled = false, autovacuum_freeze_max_age = 100000,
                     autovacuum_freeze_min_age = 0, autovacuum_freeze_table_age = 0)`,
    });
    await q(BURN_XIDS_SQL);
    pin = new pg.Client({ connectionString: server.server.url, application_name: 'cursor holding a page' });
    await pin.connect();
  }, 120_000);
  afterAll(async () => {
    await pin?.end().catch(() => {});
    await server?.stop();
  });

  /** The anti-wraparound autovacuum of `table`, once it waits for the pinned page. */
  const vacuumOf = async (table: string) =>
    until(
      async () =>
        (
          await q<{ query: string }>(
            `SELECT a.query FROM pg_stat_progress_vacuum v JOIN pg_stat_activity a USING (pid)
              WHERE v.relid = '${table}'::regclass AND a.wait_event = 'BufferPin'`,
          )
        )[0] ?? null,
      `the anti-wraparound autovacuum on ${table}`,
    );
  const run = (phaseList = fixturePhases()) =>
    runPipeline({
      url: server.server.url,
      phaseList,
      workers: 2,
      fresh: true,
      batch: { initial: 500, min: 50, max: 500, targetMs: 1_000 },
      health: { intervalMs: 100 },
    });
  const runnerState = async () =>
    (await q<{ state: string; reason: string | null }>(`SELECT state, reason FROM pgphase.run_runners ORDER BY started_at DESC LIMIT 1`))[0];

  /** Rows of fixture.dst written by `runId`, and how many distinct. */
  const copiedBy = async (runId: string) =>
    (await q<{ n: number; d: number }>(`SELECT count(*)::int AS n, count(DISTINCT src_id)::int AS d FROM fixture.dst WHERE run_id = ${runId}`))[0];

  /** Pins the first page of `table` with a cursor in `pin`'s transaction, until `COMMIT`. */
  const pinFirstPage = async (table: string) => {
    await pin.query('BEGIN');
    await pin.query(`DECLARE held CURSOR FOR SELECT * FROM ${table}`);
    await pin.query('FETCH 1 FROM held');
  };

  it('throttles while autovacuum runs against wraparound on fixture.src (read), and finishes after it', async () => {
    await pinFirstPage('fixture.src'); // before the burn, so that the vacuum cannot start and end unseen
    let done: ReturnType<typeof run> | undefined;
    try {
      await q('CALL burn_xids(110000)');
      const vacuum = await vacuumOf('fixture.src');
      // PostgreSQL 18: "autovacuum: VACUUM fixture.src (to prevent wraparound)"; 15 adds ANALYZE.
      expect(vacuum.query).toMatch(/^autovacuum: VACUUM (ANALYZE )?fixture\.src \(to prevent wraparound\)$/);
      done = run();
      const state = await until(async () => ((await runnerState())?.state === 'throttled' ? runnerState() : null), 'the runner to throttle');
      expect(state!.reason).toBe('anti-wraparound autovacuum on fixture.src');
      expect((await q<{ n: number }>('SELECT count(*)::int AS n FROM fixture.dst'))[0]!.n).toBe(0);
    } finally {
      await pin.query('COMMIT'); // the vacuum gets its cleanup lock and ends
    }
    const report = await done!;
    expect(report.status).toBe('done');
    expect(report.throttledSeconds!['wraparound vacuum']).toBeGreaterThan(0);
    expect(await copiedBy(report.runId)).toEqual({ n: ROWS, d: ROWS });
    expect(await q(`SELECT 1 FROM pg_stat_progress_vacuum WHERE relid = 'fixture.src'::regclass`)).toEqual([]);
  });

  it('throttles while autovacuum runs against wraparound on fixture.dst, an output the phase declares (written)', async () => {
    // dst holds the first test's rows and is over 110,000 transactions old: its storage parameters
    // (set while a page is pinned) make the next autovacuum round start on it.
    await pinFirstPage('fixture.dst');
    let done: ReturnType<typeof run> | undefined;
    try {
      await q(`ALTER TABLE fixture.dst SET (autovacuum_enabled = false, autovacuum_freeze_max_age = 100000,
                 autovacuum_freeze_min_age = 0, autovacuum_freeze_table_age = 0)`);
      expect((await vacuumOf('fixture.dst')).query).toMatch(/^autovacuum: VACUUM (ANALYZE )?fixture\.dst \(to prevent wraparound\)$/);
      done = run(fixturePhases().map((p) => ({ ...p, outputs: ['fixture.dst'] })));
      const state = await until(async () => ((await runnerState())?.state === 'throttled' ? runnerState() : null), 'the runner to throttle');
      expect(state!.reason).toBe('anti-wraparound autovacuum on fixture.dst');
    } finally {
      await pin.query('COMMIT');
    }
    const report = await done!;
    expect(report.status).toBe('done');
    expect(report.throttledSeconds!['wraparound vacuum']).toBeGreaterThan(0);
    expect(await copiedBy(report.runId)).toEqual({ n: ROWS, d: ROWS });
  });
});
