/**
 * The per-record path (pgphase.force_per_record, or the fallback after a set-based failure)
 * meets a real transient error on its TARGET table only: another session has staged the same raw
 * ids and not committed, so each record's insert into staging.totals waits on that transaction's
 * unique-key entry until lock_timeout (55P03), while pgphase.quarantine is free. The error must
 * be re-raised with its SQLSTATE (pgphase.isolate's re-raise of every error not about the data) and retried by the
 * runner, and no good row may land in the quarantine as db_error. (The quarantine-lock test in
 * staging_isolation cannot tell: there the handler's own quarantine insert fails too.) Written
 * against the public entry points, CALL staging.load_totals and the runner.
 */
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runPipeline } from '../../runner/run/runPipeline.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

const LINES = ['7.5', '8', '8.5', '9', '9.5', '10'];

describe('a transient error on the target table in the per-record path', () => {
  let db: TestDatabase;
  let lo: string;
  let hi: string;
  const sessions: pg.Client[] = [];
  const session = async () => {
    const client = new pg.Client({ connectionString: db.url });
    client.on('error', () => {});
    await client.connect();
    sessions.push(client);
    return client;
  };
  /** Another session stages the same raw ids and keeps its transaction open. */
  const holdTargetRows = async () => {
    const holder = await session();
    await holder.query('BEGIN');
    await holder.query(`CALL staging.load_totals(1, $1, $2)`, [lo, hi]);
    return holder;
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    await db.query(`INSERT INTO raw.games (external_game_id, home_team, away_team, game_start) VALUES ('G1', 'NYY', 'BOS', '2024-06-01T23:05:00Z')`);
    await db.query(`CALL staging.load_games(1, 1, 1000)`);
    const rows = await db.query<{ id: string }>(
      `INSERT INTO raw.totals (external_game_id, sportsbook, total_line, over_odds, under_odds, captured_at)
       SELECT 'G1', 'Pinnacle', l, '-110', '-110', to_char(timestamptz '2024-06-01 12:00+00' + o * interval '1 minute', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
         FROM unnest($1::text[]) WITH ORDINALITY AS u (l, o)
       RETURNING id::text`,
      [LINES],
    );
    lo = rows[0]!.id;
    hi = rows.at(-1)!.id;
  });
  afterEach(async () => {
    await Promise.all(sessions.splice(0).map((s) => s.end().catch(() => {})));
    await db.query(`DELETE FROM staging.totals`);
    await db.query(`DELETE FROM pgphase.quarantine`);
  });
  afterAll(() => db.drop());

  it('CALL staging.load_totals re-raises 55P03 and quarantines nothing, while the quarantine is free', async () => {
    const holder = await holdTargetRows();
    const caller = await session();
    await caller.query(`SET lock_timeout = '300ms'`);
    await caller.query(`SET pgphase.force_per_record = on`);
    await caller.query('BEGIN');
    // The quarantine is free: this caller can write to it while the holder holds the target rows.
    await caller.query(`LOCK TABLE pgphase.quarantine IN ROW EXCLUSIVE MODE NOWAIT`);
    const outcome = await caller.query(`CALL staging.load_totals(1, $1, $2)`, [lo, hi]).then(
      (r) => r.rows[0] as unknown,
      (e: unknown) => e,
    );
    await caller.query('ROLLBACK');
    await holder.query('ROLLBACK');
    expect(outcome).toMatchObject({ code: '55P03' });
  });

  it('the runner retries the batch until the other session lets go, then stages every row; none is quarantined as db_error', async () => {
    const holder = await holdTargetRows();
    const run = runPipeline({
      url: db.url,
      workers: 1,
      fresh: true,
      forcePerRecord: true,
      lockTimeoutMs: 300,
      retry: { baseMs: 50, capMs: 200 },
      phaseList: [
        { name: 'totals', description: 'staging of raw.totals', dependsOn: [], steps: [{ source: 'raw.totals', procedure: 'staging.load_totals', key: 'id' }] },
      ],
    });
    let finished = false;
    void run.then(
      () => (finished = true),
      () => (finished = true),
    );
    // Bounded wait for the first retry in the ledger (or for the run to end without one).
    for (let i = 0; i < 600 && !finished; i++) {
      const [r] = await db.query<{ n: number }>(`SELECT coalesce(sum(retries), 0)::int AS n FROM pgphase.partitions`);
      if (r!.n > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await holder.query('ROLLBACK');
    const report = await run;
    const [ledger] = await db.query<{ lock_timeouts: number }>(
      `SELECT coalesce(sum((errors ->> '55P03')::int), 0)::int AS lock_timeouts FROM pgphase.partitions WHERE run_id = $1`,
      [report.runId],
    );
    expect(await db.query(`SELECT reason_code, sqlstate FROM pgphase.quarantine`)).toEqual([]);
    expect(ledger!.lock_timeouts).toBeGreaterThanOrEqual(1);
    expect(report.status).toBe('done');
    expect(await db.query(`SELECT count(*)::int AS n FROM staging.totals`)).toEqual([{ n: LINES.length }]);
  });
});
