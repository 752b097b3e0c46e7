/**
 * The staging phase is idempotent and its outcome is a function of raw alone: calling it again
 * changes nothing, a fix in raw moves a row between quarantine and staging, and however the ids
 * are cut into ranges, in whatever order and in how many concurrent sessions, the staged and
 * quarantined rows are the same. For every range: raw rows = staged + quarantined, no id in both.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

const TABLES = ['games', 'moneylines', 'spreads', 'totals'] as const;

/** raw = staged + quarantined for [lo, hi], and no id is in both; returns the raw count. */
async function checkInvariant(db: TestDatabase, table: string, lo = 1, hi = 1e15): Promise<number> {
  const [r] = await db.query<{ raw: number; staged: number; quarantined: number; both: number }>(
    `SELECT (SELECT count(*) FROM raw.${table} WHERE id BETWEEN $1 AND $2)::int AS raw,
            (SELECT count(*) FROM staging.${table} WHERE source_raw_id BETWEEN $1 AND $2)::int AS staged,
            (SELECT count(*) FROM pgphase.quarantine WHERE source_table = $3 AND source_id BETWEEN $1 AND $2)::int AS quarantined,
            (SELECT count(*) FROM staging.${table} s JOIN pgphase.quarantine q ON q.source_table = $3 AND q.source_id = s.source_raw_id
              WHERE s.source_raw_id BETWEEN $1 AND $2)::int AS both`,
    [lo, hi, `raw.${table}`],
  );
  expect(r!.staged + r!.quarantined, `${table} [${lo}, ${hi}]`).toBe(r!.raw);
  expect(r!.both).toBe(0);
  return r!.raw;
}

/** The staging outcome without run ids, timestamps and staging ids (games by external id). */
async function outcome(db: TestDatabase): Promise<string> {
  const [r] = await db.query<{ h: string }>(
    `SELECT md5(string_agg(line, E'\\n' ORDER BY line)) AS h FROM (
       SELECT 'g ' || source_raw_id || ' ' || external_game_id || home_team || away_team || game_start || data_quality_score || validation_status AS line FROM staging.games
       UNION ALL SELECT 'm ' || m.source_raw_id || ' ' || g.external_game_id || m.sportsbook || m.home_odds || m.away_odds || m.captured_at || m.is_live || m.data_quality_score || m.validation_status
         FROM staging.moneylines m JOIN staging.games g ON g.id = m.game_id
       UNION ALL SELECT 's ' || s.source_raw_id || ' ' || g.external_game_id || s.sportsbook || s.home_line || s.home_odds || s.away_line || s.away_odds || s.captured_at || s.is_live || s.data_quality_score || s.validation_status
         FROM staging.spreads s JOIN staging.games g ON g.id = s.game_id
       UNION ALL SELECT 't ' || t.source_raw_id || ' ' || g.external_game_id || t.sportsbook || t.total_line || t.over_odds || t.under_odds || t.captured_at || t.is_live || t.data_quality_score || t.validation_status
         FROM staging.totals t JOIN staging.games g ON g.id = t.game_id
       UNION ALL SELECT 'q ' || source_table || ' ' || source_id || ' ' || reason_code || ' ' || message || coalesce(sqlstate, '') || raw_row::text FROM pgphase.quarantine
     ) x`,
  );
  return r!.h;
}

async function clearStaging(db: TestDatabase): Promise<void> {
  await db.query(`TRUNCATE staging.games, pgphase.quarantine RESTART IDENTITY CASCADE`);
}

async function maxId(db: TestDatabase, table: string): Promise<number> {
  const [r] = await db.query<{ m: number }>(`SELECT coalesce(max(id), 0)::int AS m FROM raw.${table}`);
  return r!.m;
}

/** Cuts [1, max] into ranges of `size` ids. */
function ranges(max: number, size: number): [number, number][] {
  const out: [number, number][] = [];
  for (let lo = 1; lo <= max; lo += size) out.push([lo, Math.min(lo + size - 1, max)]);
  return out;
}

describe('determinism over partitions, orders and sessions', () => {
  let db: TestDatabase;
  let reference: string;
  beforeAll(async () => {
    db = await createTestDatabase();
    // a high bad ratio, so that many duplicates (and every other defect) cross range borders
    await db.query(`CALL pipeline.generate_sample(9000, 11, 0.3)`);
    for (const t of TABLES) await db.query(`CALL staging.load_${t}(1, 1, 1000000)`);
    reference = await outcome(db);
  });
  afterAll(() => db.drop());

  it('stages every valid row and quarantines every other one: the invariant holds per table and per range', async () => {
    for (const t of TABLES) {
      const n = await checkInvariant(db, t);
      expect(n).toBeGreaterThan(0);
      for (const [lo, hi] of ranges(await maxId(db, t), 613)) await checkInvariant(db, t, lo, hi);
    }
    const [d] = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pgphase.quarantine WHERE reason_code IN ('duplicate_snapshot', 'duplicate_game')`,
    );
    expect(d!.n).toBeGreaterThan(50);
  });

  it('gives the same rows with small ranges run in reverse order', async () => {
    await clearStaging(db);
    for (const t of TABLES) {
      for (const [lo, hi] of ranges(await maxId(db, t), 97).reverse()) await db.query(`CALL staging.load_${t}(2, $1, $2)`, [lo, hi]);
    }
    expect(await outcome(db)).toBe(reference);
  });

  it('gives the same rows with 4 concurrent sessions on interleaved disjoint ranges, each call its own transaction', async () => {
    await clearStaging(db);
    const clients = await Promise.all(
      [0, 1, 2, 3].map(async () => {
        const c = new pg.Client({ connectionString: db.url });
        await c.connect();
        return c;
      }),
    );
    try {
      for (const t of TABLES) {
        const all = ranges(await maxId(db, t), 211);
        await Promise.all(
          clients.map(async (c, w) => {
            for (const [lo, hi] of all.filter((_, i) => i % 4 === (w + (t === 'games' ? 0 : 1)) % 4).reverse()) {
              await c.query('BEGIN');
              const { rows } = await c.query(`CALL staging.load_${t}(3, $1, $2)`, [lo, hi]);
              expect(Number(rows[0].written) + Number(rows[0].rejected)).toBe(Number(rows[0].rows_in));
              await c.query('COMMIT');
            }
          }),
        );
      }
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
    expect(await outcome(db)).toBe(reference);
    for (const t of TABLES) await checkInvariant(db, t);
  });
});

describe('idempotence and replay', () => {
  let db: TestDatabase;
  let ids: Record<string, string>;
  beforeAll(async () => {
    db = await createTestDatabase();
    const games = await db.query<{ id: string }>(
      `INSERT INTO raw.games (external_game_id, home_team, away_team, game_start, ingested_at) VALUES
         ('G1', 'NYY', 'BOS', '2024-06-01T23:05:00Z', '2024-05-01'),
         ('G5', 'SEA', 'SEA', '2024-06-02T02:10:00Z', '2024-05-01'),
         ('G5', 'SEA', 'OAK', '2024-06-02T02:10:00Z', '2024-05-01')
       RETURNING id`,
    );
    const ml = await db.query<{ id: string }>(
      `INSERT INTO raw.moneylines (external_game_id, sportsbook, home_odds, away_odds, captured_at) VALUES
         ('G1', 'Pinnacle', '-120', '+110', '2024-06-01T20:00:00Z'),
         ('G1', 'Pinnacle', '-12O', '+110', '2024-06-01T20:05:00Z'),
         ('G1', 'Circa', '-118', '+108', '2024-06-01T20:00:00Z'),
         ('G5', 'Circa', '-130', '+120', '2024-06-01T20:00:00Z'),
         ('G1', 'Pinnacle', '-120', '+110', '2024-06-01T20:00:00Z')
       RETURNING id`,
    );
    ids = {
      g1: games[0]!.id,
      g5bad: games[1]!.id,
      g5: games[2]!.id,
      ok: ml[0]!.id,
      typo: ml[1]!.id,
      other: ml[2]!.id,
      onG5: ml[3]!.id,
      copy: ml[4]!.id,
    };
  });
  afterAll(() => db.drop());

  it('stages the lowest id of exact duplicates even when the later copy’s range runs first', async () => {
    await db.query(`CALL staging.load_games(1, 1, 100)`);
    expect((await db.query(`CALL staging.load_moneylines(1, $1, $1)`, [ids.copy]))[0]).toMatchObject({ rejected: '1', extras: { duplicates: 1 } });
    expect((await db.query(`CALL staging.load_moneylines(1, $1, $2)`, [ids.ok, ids.onG5]))[0]).toMatchObject({ rows_in: '4', written: '3', rejected: '1' });
    expect(await db.query(`SELECT source_raw_id::text AS id FROM staging.moneylines ORDER BY 1`)).toEqual(
      [ids.ok, ids.other, ids.onG5].sort().map((id) => ({ id })),
    );
    await checkInvariant(db, 'moneylines');
    await checkInvariant(db, 'games');
  });

  it('a second call over the same range rewrites no staged row and only counts another attempt', async () => {
    const before = await db.query(`SELECT source_raw_id, xmin::text, ctid::text FROM staging.moneylines ORDER BY 1`);
    const qBefore = await db.query(
      `SELECT source_id, reason_code, message, attempts FROM pgphase.quarantine WHERE source_table = 'raw.moneylines' ORDER BY source_id`,
    );
    const counts = await db.query(`CALL staging.load_moneylines(2, 1, 100)`);
    expect(counts[0]).toEqual({ rows_in: '5', written: '3', rejected: '2', extras: { duplicates: 1 } });
    expect(await db.query(`SELECT source_raw_id, xmin::text, ctid::text FROM staging.moneylines ORDER BY 1`)).toEqual(before);
    const qAfter = await db.query(
      `SELECT source_id, reason_code, message, attempts FROM pgphase.quarantine WHERE source_table = 'raw.moneylines' ORDER BY source_id`,
    );
    expect(qAfter).toEqual(qBefore.map((q) => ({ ...q, attempts: Number(q.attempts) + 1 })));
    expect(await db.query(`SELECT DISTINCT run_id::int FROM staging.moneylines`)).toEqual([{ run_id: 1 }]);
  });

  it('moves a fixed row from quarantine to staging, and a broken one from staging to quarantine', async () => {
    await db.query(`UPDATE raw.moneylines SET home_odds = '-120' WHERE id = $1`, [ids.typo]);
    await db.query(`UPDATE raw.moneylines SET away_odds = 'abc' WHERE id = $1`, [ids.other]);
    expect((await db.query(`CALL staging.load_moneylines(3, 1, 100)`))[0]).toEqual({ rows_in: '5', written: '3', rejected: '2', extras: { duplicates: 1 } });
    expect(await db.query(`SELECT 1 FROM staging.moneylines WHERE source_raw_id = $1`, [ids.typo])).toHaveLength(1);
    expect(await db.query(`SELECT 1 FROM pgphase.quarantine WHERE source_id = $1 AND source_table = 'raw.moneylines'`, [ids.typo])).toEqual([]);
    expect(await db.query(`SELECT 1 FROM staging.moneylines WHERE source_raw_id = $1`, [ids.other])).toEqual([]);
    expect(
      await db.query(`SELECT reason_code, run_id::int FROM pgphase.quarantine WHERE source_id = $1 AND source_table = 'raw.moneylines'`, [ids.other]),
    ).toEqual([{ reason_code: 'invalid_odds', run_id: 3 }]);
    await checkInvariant(db, 'moneylines');
  });

  it('a fixed lower game row takes its game over in place: the other copy is quarantined, market rows keep their game', async () => {
    const [before] = await db.query<{ id: string; source_raw_id: string }>(`SELECT id, source_raw_id FROM staging.games WHERE external_game_id = 'G5'`);
    expect(before!.source_raw_id).toBe(ids.g5);
    await db.query(`UPDATE raw.games SET away_team = 'OAK' WHERE id = $1`, [ids.g5bad]);
    // only the fixed row's range runs: the other copy is outside it
    expect((await db.query(`CALL staging.load_games(4, $1, $1)`, [ids.g5bad]))[0]).toEqual({
      rows_in: '1',
      written: '1',
      rejected: '0',
      extras: { duplicates: 0 },
    });
    const [after] = await db.query<{ id: string; source_raw_id: string }>(`SELECT id, source_raw_id FROM staging.games WHERE external_game_id = 'G5'`);
    expect(after).toEqual({ id: before!.id, source_raw_id: ids.g5bad });
    expect(await db.query(`SELECT reason_code, message FROM pgphase.quarantine WHERE source_table = 'raw.games' AND source_id = $1`, [ids.g5])).toEqual([
      { reason_code: 'duplicate_game', message: `duplicate of raw.games id ${ids.g5bad}` },
    ]);
    expect(await db.query(`SELECT 1 FROM staging.moneylines WHERE source_raw_id = $1`, [ids.onG5])).toHaveLength(1);
    await checkInvariant(db, 'games');
    // and the other copy's own range now agrees
    expect((await db.query(`CALL staging.load_games(5, 1, 100)`))[0]).toEqual({ rows_in: '3', written: '2', rejected: '1', extras: { duplicates: 1 } });
    await checkInvariant(db, 'games');
  });

  it('a raw row deleted since leaves staging and the quarantine when its range runs again', async () => {
    await db.query(`DELETE FROM raw.moneylines WHERE id IN ($1, $2)`, [ids.ok, ids.other]);
    expect((await db.query(`CALL staging.load_moneylines(6, 1, 100)`))[0]).toMatchObject({ rows_in: '3' });
    await checkInvariant(db, 'moneylines');
    expect(await db.query(`SELECT 1 FROM pgphase.quarantine WHERE source_table = 'raw.moneylines' AND source_id IN ($1, $2)`, [ids.ok, ids.other])).toEqual([]);
    // the copy of the deleted original is now the lowest id of its snapshot: it is staged
    expect(await db.query(`SELECT 1 FROM staging.moneylines WHERE source_raw_id = $1`, [ids.copy])).toHaveLength(1);
  });
});
