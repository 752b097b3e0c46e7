/**
 * Steam detection (procedures/curated_build_steam.sql): coordinated jumps planted by hand are
 * found with their time, books and size, and nothing else is: not two books moving together
 * (K = 3), not three books moving further apart than W = 30 min, not coordinated moves smaller
 * than theta = 0.02, and nothing in a quiet game. The parameters come from curated.settings.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

const MIN = 60_000;
const START = Date.parse('2025-04-05T18:00:00Z');
const at = (m: number) => new Date(START - m * MIN).toISOString();

const implied = (o: number) => (o >= 100 ? 100 / (o + 100) : -o / (-o + 100));
function fairPower(a: number, b: number): number {
  const pa = implied(a);
  const pb = implied(b);
  let lo = 0.01;
  let hi = 10;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (pa ** mid + pb ** mid > 1) lo = mid;
    else hi = mid;
  }
  return pa ** ((lo + hi) / 2);
}

/** [book, minutes before start, odds a, odds b, line] */
type Snap = [string, number, number, number, number?];

// Game 201. Moneyline: five books at -110/-110; four of them jump to home within 25 minutes
// (the planted steam); later circa and draftkings jump to away (two books only: no steam).
const ML_201: Snap[] = [
  ...['pinnacle', 'circa', 'draftkings', 'fanduel', 'betmgm'].map((b): Snap => [b, 600, -110, -110]),
  ['draftkings', 120, -140, 120],
  ['fanduel', 110, -140, 120],
  ['betmgm', 100, -145, 125],
  ['pinnacle', 95, -135, 115],
  ['circa', 60, 110, -130],
  ['draftkings', 50, -110, -110],
];
// Spread: three books move the home line -3 -> -3.5 within 25 minutes (a line steam, home).
const SPREAD_201: Snap[] = [
  ...['pinnacle', 'draftkings', 'fanduel', 'betmgm'].map((b): Snap => [b, 600, -110, -110, -3]),
  ['draftkings', 200, -110, -110, -3.5],
  ['fanduel', 190, -110, -110, -3.5],
  ['betmgm', 175, -110, -110, -3.5],
];
// Totals: three books move the line up, but 40 minutes apart; and three books shade the price
// together by less than theta.
const TOTAL_201: Snap[] = [
  ...['pinnacle', 'draftkings', 'fanduel'].map((b): Snap => [b, 600, -110, -110, 210.5]),
  ['pinnacle', 500, -115, -105, 210.5],
  ['draftkings', 495, -115, -105, 210.5],
  ['fanduel', 490, -115, -105, 210.5],
  ['pinnacle', 300, -110, -110, 211],
  ['draftkings', 260, -110, -110, 211],
  ['fanduel', 220, -110, -110, 211],
];
// Game 202, quiet: three books shade their prices together by a cent or two.
const ML_202: Snap[] = [
  ...['pinnacle', 'draftkings', 'fanduel'].map((b): Snap => [b, 400, -110, -110]),
  ['pinnacle', 100, -112, -108],
  ['draftkings', 98, -113, -107],
  ['fanduel', 96, -112, -108],
];

let sourceId = 0;
async function insertGame(db: TestDatabase, id: number, ml: Snap[], spread: Snap[] = [], total: Snap[] = []) {
  await db.query(
    `INSERT INTO staging.games (id, source_raw_id, external_game_id, home_team, away_team, game_start, data_quality_score)
     VALUES ($1, $1, $2, 'H', 'A', $3, 90)`,
    [id, `steam-${id}`, new Date(START)],
  );
  for (const [book, m, a, b] of ml) {
    await db.query(
      `INSERT INTO staging.moneylines (source_raw_id, game_id, sportsbook, home_odds, away_odds, captured_at, data_quality_score)
       VALUES ($1, $2, $3, $4, $5, $6, 90)`,
      [++sourceId, id, book, a, b, at(m)],
    );
  }
  for (const [book, m, a, b, line] of spread) {
    await db.query(
      `INSERT INTO staging.spreads (source_raw_id, game_id, sportsbook, home_line, home_odds, away_line, away_odds, captured_at, data_quality_score)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 90)`,
      [++sourceId, id, book, line, a, -line!, b, at(m)],
    );
  }
  for (const [book, m, a, b, line] of total) {
    await db.query(
      `INSERT INTO staging.totals (source_raw_id, game_id, sportsbook, total_line, over_odds, under_odds, captured_at, data_quality_score)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 90)`,
      [++sourceId, id, book, line, a, b, at(m)],
    );
  }
}

interface Steam {
  game_id: string;
  market: string;
  kind: string;
  side: string;
  started_at: Date;
  ended_at: Date;
  minutes_before: number;
  n_books: number;
  n_moves: number;
  books: string[];
  size: number;
  max_move: number;
}

describe('curated steam detection', () => {
  let db: TestDatabase;
  const steam = () => db.query<Steam>(`SELECT * FROM curated.steam_moves ORDER BY game_id, market, kind, side, started_at`);
  const rebuild = () => db.query(`CALL curated.build_features(1, 201, 202)`);

  beforeAll(async () => {
    db = await createTestDatabase();
    await insertGame(db, 201, ML_201, SPREAD_201, TOTAL_201);
    await insertGame(db, 202, ML_202);
    await rebuild();
  });
  afterAll(() => db.drop());

  it('finds the planted moneyline steam with its time, books and size', async () => {
    const events = (await steam()).filter((e) => e.market === 'moneyline');
    expect(events).toHaveLength(1);
    const e = events[0]!;
    const jumps = [fairPower(-140, 120), fairPower(-140, 120), fairPower(-145, 125), fairPower(-135, 115)].map((p) => p - 0.5);
    expect(e).toMatchObject({ game_id: '201', kind: 'price', side: 'home', n_books: 4, n_moves: 4, books: ['betmgm', 'draftkings', 'fanduel', 'pinnacle'] });
    expect(e.started_at.toISOString()).toBe(at(120));
    expect(e.ended_at.toISOString()).toBe(at(95));
    expect(e.minutes_before).toBe(120);
    expect(Math.abs(e.size - jumps.reduce((s, j) => s + j, 0) / 4)).toBeLessThan(1e-9);
    expect(Math.abs(e.max_move - Math.max(...jumps))).toBeLessThan(1e-9);
    expect(e.size).toBeGreaterThan(0.02);
  });

  it('finds the planted line steam on the spread, sized in points', async () => {
    const events = (await steam()).filter((e) => e.market === 'spread');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      kind: 'line',
      side: 'home',
      n_books: 3,
      n_moves: 3,
      books: ['betmgm', 'draftkings', 'fanduel'],
      size: 0.5,
      max_move: 0.5,
      minutes_before: 200,
    });
    expect(events[0]!.ended_at.toISOString()).toBe(at(175));
  });

  it('finds nothing else: not two books, not moves spread over more than W, not moves below theta, not a quiet game', async () => {
    const events = await steam();
    expect(events.map((e) => `${e.game_id}/${e.market}/${e.kind}/${e.side}`)).toEqual(['201/moneyline/price/home', '201/spread/line/home']);
    const counts = await db.query<{ game_id: string; market: string; steam_a: number; steam_b: number }>(
      `SELECT game_id, market, steam_a, steam_b FROM curated.game_market_features ORDER BY game_id, market`,
    );
    expect(counts).toEqual([
      { game_id: '201', market: 'moneyline', steam_a: 1, steam_b: 0 },
      { game_id: '201', market: 'spread', steam_a: 1, steam_b: 0 },
      { game_id: '201', market: 'total', steam_a: 0, steam_b: 0 },
      { game_id: '202', market: 'moneyline', steam_a: 0, steam_b: 0 },
    ]);
    const [vector] = await db.query(`SELECT ml_steam_home, ml_steam_away, sp_steam_home, tot_steam_over FROM curated.game_features WHERE game_id = 201`);
    expect(vector).toEqual({ ml_steam_home: 1, ml_steam_away: 0, sp_steam_home: 1, tot_steam_over: 0 });
  });

  it('follows curated.settings: K, W and theta are parameters', async () => {
    try {
      await db.query(`UPDATE curated.settings SET steam_min_books = 2`);
      await rebuild();
      let events = await steam();
      const away = events.find((e) => e.market === 'moneyline' && e.side === 'away');
      expect(away).toMatchObject({ books: ['circa', 'draftkings'], minutes_before: 60 });
      expect(away!.ended_at.toISOString()).toBe(at(50));

      await db.query(`UPDATE curated.settings SET steam_min_books = 3, steam_window = '10 minutes'`);
      await rebuild();
      events = await steam();
      expect(events.filter((e) => e.market === 'moneyline')).toEqual([]);

      await db.query(`UPDATE curated.settings SET steam_window = '30 minutes', steam_theta = 0.01`);
      await rebuild();
      events = await steam();
      const shaded = events.filter((e) => e.kind === 'price' && (e.market === 'total' || e.game_id === '202'));
      // the totals' shading (about 0.011 toward the over) is now a steam; the quiet game's (< 0.007) is not
      expect(shaded.map((e) => `${e.game_id}/${e.market}/${e.side}/${e.n_books}`)).toEqual(['201/total/over/3']);
    } finally {
      await db.query(`UPDATE curated.settings SET steam_min_books = 3, steam_window = '30 minutes', steam_theta = 0.02`);
    }
  });
});
