/**
 * An anti-wraparound autovacuum on a table the phase reads, for real, in a few seconds: on a
 * dedicated server (autovacuum_naptime 1 s), fixture.src gets autovacuum_freeze_max_age 100000
 * (the least allowed) and freeze ages 0 (the vacuum must freeze every row, so it is aggressive);
 * 110,000 transaction ids are burnt (about 1 s); autovacuum then starts `VACUUM fixture.src (to
 * prevent wraparound)`, which waits for a cleanup lock (BufferPin) on the page a cursor holds
 * pinned, so it stays in pg_stat_progress_vacuum for as long as the test wants. The runner
 * throttles with `wraparound vacuum` meanwhile and finishes once the cursor closes and the vacuum
 * ends, every row copied once.
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

  const runnerState = async () =>
    (await q<{ state: string; reason: string | null }>(`SELECT state, reason FROM pgphase.run_runners ORDER BY started_at DESC LIMIT 1`))[0];

  it('throttles while autovacuum runs against wraparound on fixture.src, and finishes after it', async () => {
    // Pinned before the burn, so that the vacuum cannot start and end unseen.
    await pin.query('BEGIN');
    await pin.query('DECLARE held CURSOR FOR SELECT * FROM fixture.src');
    await pin.query('FETCH 1 FROM held');
    let done: ReturnType<typeof runPipeline> | undefined;
    try {
      await q('CALL burn_xids(110000)');
      const [vacuum] = await until(
        async () =>
          (
            await q<{ query: string; wait: string | null }>(
              `SELECT a.query, a.wait_event AS wait FROM pg_stat_progress_vacuum v JOIN pg_stat_activity a USING (pid)
                WHERE v.relid = 'fixture.src'::regclass AND a.wait_event = 'BufferPin'`,
            )
          )[0] ?? null,
        'the anti-wraparound autovacuum on fixture.src',
      ).then((v) => [v]);
      // PostgreSQL 18: "autovacuum: VACUUM fixture.src (to prevent wraparound)"; 15 adds ANALYZE.
      expect(vacuum!.query).toMatch(/^autovacuum: VACUUM (ANALYZE )?fixture\.src \(to prevent wraparound\)$/);

      done = runPipeline({
        url: server.server.url,
        phaseList: fixturePhases(),
        workers: 2,
        fresh: true,
        batch: { initial: 500, min: 50, max: 500, targetMs: 1_000 },
        health: { intervalMs: 100 },
      });
      const state = await until(async () => ((await runnerState())?.state === 'throttled' ? runnerState() : null), 'the runner to throttle');
      expect(state!.reason).toBe('anti-wraparound autovacuum on fixture.src');
      expect((await q<{ n: number }>('SELECT count(*)::int AS n FROM fixture.dst'))[0]!.n).toBe(0);
    } finally {
      await pin.query('COMMIT'); // the vacuum gets its cleanup lock and ends
    }
    const report = await done!;
    expect(report.status).toBe('done');
    expect(report.throttledSeconds!['wraparound vacuum']).toBeGreaterThan(0);
    expect((await q<{ n: number; d: number }>('SELECT count(*)::int AS n, count(DISTINCT src_id)::int AS d FROM fixture.dst'))[0]).toEqual({
      n: ROWS,
      d: ROWS,
    });
    expect(await q(`SELECT 1 FROM pg_stat_progress_vacuum WHERE relid = 'fixture.src'::regclass`)).toEqual([]);
  });
});
