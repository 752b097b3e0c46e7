/**
 * The curated phase as the runner calls it: rerunning leaves every curated table bit-for-bit
 * unchanged, any partitioning of the game ids (and concurrent sessions on disjoint ranges) gives
 * the same rows, recomputing a game replaces its rows, and the counts the run report shows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

const TABLES = ['market_snapshots', 'book_market_features', 'market_consensus', 'steam_moves', 'game_market_features', 'game_features'];
const BOOKS = ['pinnacle', 'circa', 'draftkings', 'fanduel', 'betmgm', 'caesars'];
const GAMES = 24;

/** A small deterministic generator (mulberry32), so the data set is the same on every run. */
function prng(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const american = (p: number) => (p >= 0.5 ? -Math.round((100 * p) / (1 - p)) : Math.round((100 * (1 - p)) / p));

/** Games 1..GAMES every 3 hours, each book with 2..7 snapshots per market, a few live ones. */
async function seed(db: TestDatabase) {
  const rnd = prng(20250405);
  const start0 = Date.parse('2025-05-01T00:00:00Z');
  const games: unknown[][] = [];
  const ml: unknown[][] = [];
  const sp: unknown[][] = [];
  const tot: unknown[][] = [];
  let src = 0;
  for (let g = 1; g <= GAMES; g++) {
    const start = start0 + g * 3 * 3_600_000;
    games.push([g, g, `r-${g}`, `H${g}`, `A${g}`, new Date(start), 70 + (g % 30)]);
    const base = 0.3 + 0.4 * rnd();
    for (const book of BOOKS.slice(0, 2 + (g % 5))) {
      const n = 2 + Math.floor(rnd() * 6);
      let p = base + (rnd() - 0.5) * 0.04;
      let line = Math.round((0.5 - base) * 28) / 2;
      let total = 200 + Math.round(rnd() * 10) / 2;
      for (let i = 0; i < n; i++) {
        const at = new Date(start - Math.floor(rnd() * 30 * 3_600_000) - 60_000);
        p = Math.min(0.9, Math.max(0.1, p + (rnd() - 0.5) * 0.08));
        if (rnd() < 0.3) line += rnd() < 0.5 ? 0.5 : -0.5;
        if (rnd() < 0.3) total += rnd() < 0.5 ? 0.5 : -0.5;
        const live = rnd() < 0.08;
        ml.push([++src, g, book, american(p * 1.025), american((1 - p) * 1.025), at, live, 80 + (i % 20)]);
        sp.push([++src, g, book, line, -110 - Math.floor(rnd() * 10), -line, -110 + Math.floor(rnd() * 10), at, live, 85]);
        tot.push([++src, g, book, total, -105 - Math.floor(rnd() * 10), -115 + Math.floor(rnd() * 10), at, live, 88]);
      }
    }
    if (g % 3 === 0) {
      // a planted steam: the first three books jump to a strong home favourite 5 minutes apart,
      // after their last regular snapshot (those are at least a minute before the start)
      for (const [i, book] of BOOKS.slice(0, 3).entries()) {
        ml.push([++src, g, book, -400, 300, new Date(start - 50_000 + i * 5_000), false, 90]);
      }
    }
  }
  const insert = async (sql: string, rows: unknown[][]) => {
    const cols = rows[0]!.length;
    const values = rows.map((_, i) => `(${[...Array(cols).keys()].map((c) => `$${i * cols + c + 1}`).join(', ')})`).join(', ');
    await db.query(`${sql} VALUES ${values}`, rows.flat());
  };
  await insert(`INSERT INTO staging.games (id, source_raw_id, external_game_id, home_team, away_team, game_start, data_quality_score)`, games);
  await insert(`INSERT INTO staging.moneylines (source_raw_id, game_id, sportsbook, home_odds, away_odds, captured_at, is_live, data_quality_score)`, ml);
  await insert(
    `INSERT INTO staging.spreads (source_raw_id, game_id, sportsbook, home_line, home_odds, away_line, away_odds, captured_at, is_live, data_quality_score)`,
    sp,
  );
  await insert(
    `INSERT INTO staging.totals (source_raw_id, game_id, sportsbook, total_line, over_odds, under_odds, captured_at, is_live, data_quality_score)`,
    tot,
  );
}

/** md5 of each curated table's rows in text form (float text is exact), with its row count. */
async function checksums(db: TestDatabase): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const t of TABLES) {
    const [row] = await db.query<{ n: string; h: string | null }>(
      `SELECT count(*) AS n, md5(string_agg(t::text, E'\\n' ORDER BY t::text)) AS h FROM curated.${t} t`,
    );
    out[t] = `${row!.n}:${row!.h}`;
  }
  return out;
}

async function clear(db: TestDatabase) {
  await db.query(`TRUNCATE ${TABLES.map((t) => `curated.${t}`).join(', ')}`);
}

describe('curated phase reruns and partitions', () => {
  let db: TestDatabase;
  let reference: Record<string, string>;

  beforeAll(async () => {
    db = await createTestDatabase();
    await seed(db);
    const [counts] = await db.query(`CALL curated.build_features(7, 1, ${GAMES})`);
    expect(counts).toEqual({ rows_in: String(GAMES), written: String(GAMES), rejected: '0', extras: {} });
    reference = await checksums(db);
  });
  afterAll(() => db.drop());

  it('fills every curated table, steam included', () => {
    for (const t of TABLES) expect(Number(reference[t]!.split(':')[0]), t).toBeGreaterThan(0);
  });

  it('leaves every curated table unchanged when rerun, under another run id too', async () => {
    await db.query(`CALL curated.build_features(7, 1, ${GAMES})`);
    expect(await checksums(db)).toEqual(reference);
    await db.query(`CALL curated.build_features(8, -5, ${GAMES + 100})`);
    expect(await checksums(db)).toEqual(reference);
  });

  it('gives the same rows whatever the partitioning, in any order', async () => {
    await clear(db);
    for (const [lo, hi] of [
      [20, 24],
      [1, 1],
      [9, 19],
      [2, 8],
    ]) {
      const [counts] = await db.query(`CALL curated.build_features(9, $1, $2)`, [lo, hi]);
      expect(counts).toEqual({ rows_in: String(hi! - lo! + 1), written: String(hi! - lo! + 1), rejected: '0', extras: {} });
    }
    expect(await checksums(db)).toEqual(reference);
  });

  it('gives the same rows when sessions build disjoint ranges concurrently', async () => {
    await clear(db);
    const ranges = [
      [1, 6],
      [7, 12],
      [13, 18],
      [19, 24],
    ];
    await Promise.all(
      ranges.map(async ([lo, hi]) => {
        const client = await db.pool.connect();
        try {
          await client.query('BEGIN');
          await client.query(`CALL curated.build_features(10, $1, $2)`, [lo, hi]);
          await client.query('COMMIT');
        } finally {
          client.release();
        }
      }),
    );
    expect(await checksums(db)).toEqual(reference);
  });

  it('replaces a recomputed game’s rows and leaves the other games alone', async () => {
    const before = await db.query<{ game_id: string; n: string }>(`SELECT game_id, count(*) AS n FROM curated.market_snapshots GROUP BY 1 ORDER BY 1`);
    const book = (await db.query<{ sportsbook: string }>(`SELECT sportsbook FROM curated.book_market_features WHERE game_id = 5 ORDER BY 1 LIMIT 1`))[0]!
      .sportsbook;
    for (const t of ['moneylines', 'spreads', 'totals']) await db.query(`DELETE FROM staging.${t} WHERE game_id = 5 AND sportsbook = $1`, [book]);
    await db.query(`CALL curated.build_features(11, 4, 6)`);
    const gone = await db.query(`SELECT 1 FROM curated.book_market_features WHERE game_id = 5 AND sportsbook = $1`, [book]);
    expect(gone).toEqual([]);
    const after = await db.query<{ game_id: string; n: string }>(`SELECT game_id, count(*) AS n FROM curated.market_snapshots GROUP BY 1 ORDER BY 1`);
    expect(after.filter((r) => r.game_id !== '5')).toEqual(before.filter((r) => r.game_id !== '5'));
    expect(Number(after.find((r) => r.game_id === '5')!.n)).toBeLessThan(Number(before.find((r) => r.game_id === '5')!.n));
    const [vector] = await db.query<{ n_books: number }>(`SELECT n_books FROM curated.game_features WHERE game_id = 5`);
    expect(vector!.n_books).toBe(2 + (5 % 5) - 1);
  });

  it('counts only the games that exist in a range and refuses a range without bounds', async () => {
    expect((await db.query(`CALL curated.build_features(12, 1000, 2000)`))[0]).toEqual({ rows_in: '0', written: '0', rejected: '0', extras: {} });
    await expect(db.query(`CALL curated.build_features(12, NULL, 10)`)).rejects.toMatchObject({ code: '22004' });
  });
});
