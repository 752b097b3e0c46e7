/**
 * The curated phase on a small hand-built game: three books (pinnacle sharp, draftkings and
 * fanduel soft), known snapshots in all three markets, with a live snapshot, one captured after
 * the start, a duplicate and one with odds that are not American odds. Every column of every
 * curated table is recomputed here from the definitions in docs/features.md by a plain reference
 * model (explicit grid sampling, explicit medians, power method by bisection) and compared to
 * 1e-6. Then the edge games: one book only, no pre-game snapshot, a market missing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

// ---- the reference model ----------------------------------------------------------------------

const MIN = 60_000;
const START = Date.parse('2025-03-01T20:00:00Z');
const STEP = 15 * MIN; // curated.settings.grid_step
const HORIZON = 96; // 24 h / 15 min
const MOMENTUM = 12; // 3 h / 15 min
const MOVE_MIN = 0.005;
const LINE_MOVE_MIN = 0.5;
const CHECKPOINTS = [0, 15, 60, 180, 1440];
const TIER: Record<string, 'sharp' | 'soft'> = { pinnacle: 'sharp', draftkings: 'soft', fanduel: 'soft' };

type Market = 'moneyline' | 'spread' | 'total';
interface Quote {
  readonly t: number;
  readonly a: number;
  readonly b: number;
  readonly line: number | null;
}
type Row = Record<string, unknown>;

const implied = (o: number) => (o >= 100 ? 100 / (o + 100) : -o / (-o + 100));
const decimal = (o: number) => (o >= 100 ? 1 + o / 100 : 1 + 100 / -o);
function powerK(pa: number, pb: number): number {
  let lo = 0.01;
  let hi = 10;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (pa ** mid + pb ** mid > 1) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}
const fair = (q: Quote) => implied(q.a) ** powerK(implied(q.a), implied(q.b));
const overround = (q: Quote) => implied(q.a) + implied(q.b) - 1;
const hold = (q: Quote) => 1 - 1 / (implied(q.a) + implied(q.b));
const asOf = (series: readonly Quote[], t: number) => series.filter((q) => q.t <= t).at(-1) ?? null;
const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : null);
function median(xs: readonly number[]): number | null {
  if (!xs.length) return null;
  const s = [...xs].sort((x, y) => x - y);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
function stddev(xs: readonly number[]): number | null {
  if (xs.length < 2) return null;
  const m = mean(xs)!;
  return Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1));
}
function slope(points: readonly { x: number; y: number }[]): number | null {
  if (points.length < 2) return null;
  const mx = mean(points.map((p) => p.x))!;
  const my = mean(points.map((p) => p.y))!;
  return points.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0) / points.reduce((s, p) => s + (p.x - mx) ** 2, 0);
}
/** The step function sampled at grid points j = 0..n (t = start - j * step), where priced. */
function grid(series: readonly Quote[], n: number, f: (q: Quote) => number | null) {
  const out: { j: number; v: number }[] = [];
  for (let j = 0; j <= n; j++) {
    const q = asOf(series, START - j * STEP);
    const v = q && f(q);
    if (v !== null && v !== undefined) out.push({ j, v });
  }
  return out;
}
const minus = (x: number | null, y: number | null) => (x === null || y === null ? null : x - y);
const at = (minutes: number) => new Date(START - minutes * MIN).toISOString();

function bookFeatures(market: Market, book: string, series: readonly Quote[]) {
  const open = series[0]!;
  const close = series.at(-1)!;
  const cp = (m: number) => asOf(series, START - m * MIN);
  const row: Row = {
    market,
    sportsbook: book,
    tier: TIER[book],
    n_snapshots: series.length,
    opened_at: new Date(open.t).toISOString(),
    closed_at: new Date(close.t).toISOString(),
    open_odds_a: open.a,
    open_odds_b: open.b,
    close_odds_a: close.a,
    close_odds_b: close.b,
    open_line: open.line,
    close_line: close.line,
    line_move: minus(close.line, open.line),
    open_fair_a: fair(open),
    close_fair_a: fair(close),
    fair_move: fair(close) - fair(open),
    close_overround: overround(close),
    close_hold: hold(close),
    mean_hold: mean(series.map(hold)),
    volatility: stddev(grid(series, HORIZON, fair).map((p) => p.v)),
    line_volatility: stddev(grid(series, HORIZON, (q) => q.line).map((p) => p.v)),
    momentum: slope(grid(series, MOMENTUM, fair).map((p) => ({ x: (-p.j * STEP) / (60 * MIN), y: p.v }))),
  };
  for (const [suffix, m] of [
    ['15m', 15],
    ['1h', 60],
    ['3h', 180],
    ['24h', 1440],
  ] as const) {
    const q = cp(m);
    row[`fair_a_${suffix}`] = q && fair(q);
    row[`line_${suffix}`] = q && q.line;
    row[`odds_a_${suffix}`] = q && q.a;
    row[`odds_b_${suffix}`] = q && q.b;
    if (m < 1440) {
      row[`late_move_${suffix}`] = q && fair(close) - fair(q);
      row[`late_line_move_${suffix}`] = q && minus(close.line, q.line);
    }
  }
  return row;
}

/** Everything the phase should write for one game, from its pre-game series. */
function expectedGame(gameId: number, markets: Record<Market, Record<string, Quote[]>>) {
  const books: Row[] = [];
  const consensus: Row[] = [];
  const gameMarkets: Row[] = [];
  for (const market of ['moneyline', 'spread', 'total'] as const) {
    const byBook = Object.entries(markets[market]).sort(([x], [y]) => x.localeCompare(y));
    if (!byBook.length) continue;
    const rows = byBook.map(([book, series]) => bookFeatures(market, book, series));
    const closes = byBook.map(([, s]) => s.at(-1)!);
    const sharp = byBook.filter(([b]) => TIER[b] === 'sharp').map(([, s]) => s.at(-1)!);
    const consensusFair = median(closes.map(fair))!;
    const consensusLine = median(closes.flatMap((q) => (q.line === null ? [] : [q.line])));
    const sharpFair = mean(sharp.map(fair));
    const sharpLine = sharp.length ? mean(sharp.map((q) => q.line ?? 0)) : null;
    const sharpLineOrNull = market === 'moneyline' ? null : sharpLine;
    for (const [i, r] of rows.entries()) {
      const [, series] = byBook[i]!;
      const open = series[0]!;
      const close = series.at(-1)!;
      const clv = (q: Quote, side: 'a' | 'b') =>
        sharpFair === null || q.line !== sharpLineOrNull ? null : decimal(side === 'a' ? q.a : q.b) * (side === 'a' ? sharpFair : 1 - sharpFair) - 1;
      Object.assign(r, {
        game_id: gameId,
        consensus_dev: fair(close) - consensusFair,
        consensus_line_dev: minus(close.line, consensusLine),
        sharp_gap: minus(fair(close), sharpFair),
        sharp_line_gap: minus(close.line, sharpLineOrNull),
        clv_open_a: clv(open, 'a'),
        clv_open_b: clv(open, 'b'),
        clv_close_a: clv(close, 'a'),
        clv_close_b: clv(close, 'b'),
      });
      books.push(r);
    }
    const byMinutes = new Map<number, Row>();
    for (const m of CHECKPOINTS) {
      const quotes = byBook.flatMap(([book, s]) => {
        const q = asOf(s, START - m * MIN);
        return q ? [{ book, q }] : [];
      });
      const counts = new Map<number | null, number>();
      for (const { q } of quotes) counts.set(q.line, (counts.get(q.line) ?? 0) + 1);
      const quoteLine = [...counts].sort(([l1, n1], [l2, n2]) => n2 - n1 || (l1 ?? 0) - (l2 ?? 0))[0]!;
      const atQuote = quotes.filter(({ q }) => q.line === quoteLine[0]);
      const best = (side: 'a' | 'b') => {
        const odds = (q: Quote) => (side === 'a' ? q.a : q.b);
        const d = Math.max(...atQuote.map(({ q }) => decimal(odds(q))));
        const top = atQuote.filter(({ q }) => decimal(odds(q)) === d);
        return { d, book: top.map((x) => x.book).sort()[0], odds: Math.max(...top.map(({ q }) => odds(q))) };
      };
      const ba = best('a');
      const bb = best('b');
      const fairs = quotes.map(({ q }) => fair(q));
      const row: Row = {
        game_id: gameId,
        market,
        minutes_before: m,
        as_of: at(m),
        n_books: quotes.length,
        consensus_fair_a: median(fairs),
        mean_fair_a: mean(fairs),
        dispersion_sd: stddev(fairs),
        dispersion_range: Math.max(...fairs) - Math.min(...fairs),
        consensus_line: median(quotes.flatMap(({ q }) => (q.line === null ? [] : [q.line]))),
        sharp_fair_a: mean(quotes.filter(({ book }) => TIER[book] === 'sharp').map(({ q }) => fair(q))),
        soft_fair_a: mean(quotes.filter(({ book }) => TIER[book] === 'soft').map(({ q }) => fair(q))),
        quote_line: quoteLine[0],
        quote_books: quoteLine[1],
        best_odds_a: ba.odds,
        best_book_a: ba.book,
        best_odds_b: bb.odds,
        best_book_b: bb.book,
        best_decimal_a: ba.d,
        best_decimal_b: bb.d,
        best_line_overround: 1 / ba.d + 1 / bb.d - 1,
        arbitrage: 1 / ba.d + 1 / bb.d - 1 < 0,
      };
      byMinutes.set(m, row);
      consensus.push(row);
    }
    const c0 = byMinutes.get(0)!;
    const late = (m: number, key: 'consensus_fair_a' | 'consensus_line') => minus(c0[key] as number | null, byMinutes.get(m)![key] as number | null);
    const moved = (suffix: string) =>
      rows.filter(
        (r) =>
          Math.abs((r[`late_line_move_${suffix}`] as number | null) ?? 0) >= LINE_MOVE_MIN ||
          Math.abs((r[`late_move_${suffix}`] as number | null) ?? 0) >= MOVE_MIN,
      ).length;
    const tierMean = (tier: string, key: string) => mean(rows.filter((r) => r.tier === tier).map((r) => r[key] as number));
    const sharpMove = tierMean('sharp', 'fair_move');
    const softMove = tierMean('soft', 'fair_move');
    const sharpLineMove = market === 'moneyline' ? null : tierMean('sharp', 'line_move');
    const softLineMove = market === 'moneyline' ? null : tierMean('soft', 'line_move');
    const rlm =
      market === 'moneyline'
        ? sharpMove === null || softMove === null
          ? null
          : Math.abs(sharpMove) >= MOVE_MIN && sharpMove * softMove < 0
        : sharpLineMove === null || softLineMove === null
          ? null
          : Math.abs(sharpLineMove) >= LINE_MOVE_MIN && sharpLineMove * softLineMove < 0;
    const opens = byBook.map(([, s]) => s[0]!);
    const openLine = median(opens.flatMap((q) => (q.line === null ? [] : [q.line])));
    gameMarkets.push({
      game_id: gameId,
      market,
      n_books: rows.length,
      n_snapshots: rows.reduce((s, r) => s + (r.n_snapshots as number), 0),
      open_fair_a: median(opens.map(fair)),
      close_fair_a: c0.consensus_fair_a,
      fair_move: (c0.consensus_fair_a as number) - median(opens.map(fair))!,
      open_line: openLine,
      close_line: c0.consensus_line,
      line_move: minus(c0.consensus_line as number | null, openLine),
      volatility: mean(rows.flatMap((r) => (r.volatility === null ? [] : [r.volatility as number]))),
      line_volatility: mean(rows.flatMap((r) => (r.line_volatility === null ? [] : [r.line_volatility as number]))),
      momentum: mean(rows.flatMap((r) => (r.momentum === null ? [] : [r.momentum as number]))),
      late_move_15m: late(15, 'consensus_fair_a'),
      late_move_1h: late(60, 'consensus_fair_a'),
      late_move_3h: late(180, 'consensus_fair_a'),
      late_line_move_15m: late(15, 'consensus_line'),
      late_line_move_1h: late(60, 'consensus_line'),
      late_line_move_3h: late(180, 'consensus_line'),
      books_moved_15m: moved('15m'),
      books_moved_1h: moved('1h'),
      books_moved_3h: moved('3h'),
      dispersion_sd: c0.dispersion_sd,
      dispersion_range: c0.dispersion_range,
      best_line_overround: c0.best_line_overround,
      arbitrage: c0.arbitrage,
      mean_hold: mean(rows.map((r) => r.close_hold as number)),
      sharp_fair_a: c0.sharp_fair_a,
      soft_fair_a: c0.soft_fair_a,
      soft_sharp_gap: minus(c0.soft_fair_a as number | null, c0.sharp_fair_a as number | null),
      sharp_line: sharpLineOrNull,
      sharp_move: sharpMove,
      soft_move: softMove,
      sharp_line_move: sharpLineMove,
      soft_line_move: softLineMove,
      rlm,
      steam_a: 0,
      steam_b: 0,
    });
  }
  return { books, consensus, gameMarkets };
}

/** Compares every column: numbers to 1e-6, timestamps as instants, the rest exactly. */
function expectRow(actual: Row, expected: Row, label: string) {
  expect(Object.keys(actual).sort(), `${label}: columns`).toEqual(Object.keys(expected).sort());
  for (const [key, want] of Object.entries(expected)) {
    const got = actual[key];
    const where = `${label}.${key}`;
    if (want === null || want === undefined) expect(got, where).toBeNull();
    else if (typeof want === 'number') {
      expect(typeof got, where).toBe('number');
      expect(Math.abs((got as number) - want), `${where}: ${String(got)} vs ${want}`).toBeLessThan(1e-6);
    } else if (typeof want === 'string' && /^\d{4}-\d\d-\d\dT/.test(want)) expect(Date.parse(got as string), where).toBe(Date.parse(want));
    else expect(got, where).toEqual(want);
  }
}

// ---- the hand-built games ---------------------------------------------------------------------

/** One staging snapshot: minutes before the start (negative: after), odds of side a and b, line. */
interface Snap {
  readonly book: string;
  readonly m: number;
  readonly a: number;
  readonly b: number;
  readonly line?: number;
  readonly live?: boolean;
}

const ML: Snap[] = [
  { book: 'pinnacle', m: 1560, a: -150, b: 130 },
  { book: 'pinnacle', m: 300, a: -160, b: 140 },
  { book: 'pinnacle', m: 180, a: 50, b: -120 }, // not American odds: skipped
  { book: 'pinnacle', m: 120, a: -170, b: 150 },
  { book: 'pinnacle', m: 10, a: -175, b: 155 },
  { book: 'draftkings', m: 1200, a: -145, b: 125 },
  { book: 'draftkings', m: 150, a: -150, b: 130 },
  { book: 'draftkings', m: 40, a: -165, b: 145 },
  { book: 'draftkings', m: -10, a: -300, b: 250, live: true }, // live: excluded, counted
  { book: 'fanduel', m: 360, a: -140, b: 120 },
  { book: 'fanduel', m: 50, a: -150, b: 130 }, // duplicate snapshot: the later staging row wins
  { book: 'fanduel', m: 50, a: -155, b: 135 },
  { book: 'fanduel', m: 5, a: -160, b: 140 },
  { book: 'fanduel', m: -1, a: -200, b: 170 }, // captured after the start: excluded, counted
];
const SPREAD: Snap[] = [
  { book: 'pinnacle', m: 1560, a: -110, b: -110, line: -3.5 },
  { book: 'pinnacle', m: 180, a: -105, b: -115, line: -4 },
  { book: 'pinnacle', m: 60, a: -110, b: -110, line: -4 },
  { book: 'draftkings', m: 1200, a: -110, b: -110, line: -3.5 },
  { book: 'draftkings', m: 120, a: -120, b: 100, line: -3.5 },
  { book: 'draftkings', m: 30, a: -110, b: -110, line: -4 },
  { book: 'fanduel', m: 480, a: -115, b: -105, line: -3 },
  { book: 'fanduel', m: 45, a: -110, b: -110, line: -3.5 },
];
// the sharp book raises the total while both soft books lower it: reverse line movement
const TOTAL: Snap[] = [
  { book: 'pinnacle', m: 1560, a: -110, b: -110, line: 47.5 },
  { book: 'pinnacle', m: 240, a: -110, b: -110, line: 48 },
  { book: 'draftkings', m: 1200, a: -105, b: -115, line: 47.5 },
  { book: 'draftkings', m: 60, a: -110, b: -110, line: 47 },
  { book: 'fanduel', m: 360, a: -110, b: -110, line: 47.5 },
  { book: 'fanduel', m: 90, a: -115, b: -105, line: 47 },
];

/** The pre-game series per book, as the phase should see them (the same exclusions, by hand). */
function series(snaps: readonly Snap[], line: boolean): Record<string, Quote[]> {
  const out: Record<string, Quote[]> = {};
  for (const s of snaps) {
    if (s.live || s.m <= 0 || Math.abs(s.a) < 100 || Math.abs(s.b) < 100) continue;
    const list = (out[s.book] ??= []);
    const q = { t: START - s.m * MIN, a: s.a, b: s.b, line: line ? s.line! : null };
    const same = list.findIndex((x) => x.t === q.t);
    if (same >= 0)
      list[same] = q; // the later row wins
    else list.push(q);
  }
  for (const list of Object.values(out)) list.sort((x, y) => x.t - y.t);
  return out;
}

let sourceId = 0;
async function insertGame(db: TestDatabase, id: number, snaps: { ml?: Snap[]; spread?: Snap[]; total?: Snap[] }) {
  await db.query(
    `INSERT INTO staging.games (id, source_raw_id, external_game_id, home_team, away_team, game_start, data_quality_score, validation_status)
     VALUES ($1, $1, $2, $3, $4, $5, 87.5, 'validated')`,
    [id, `ext-${id}`, `Home ${id}`, `Away ${id}`, new Date(START)],
  );
  const rows = async (table: string, cols: string, list: Snap[] | undefined, values: (s: Snap) => unknown[]) => {
    for (const s of list ?? []) {
      await db.query(
        `INSERT INTO staging.${table} (source_raw_id, game_id, sportsbook, ${cols}, captured_at, is_live, data_quality_score, validation_status)
         VALUES (${[...Array(6 + values(s).length).keys()].map((i) => `$${i + 1}`).join(', ')}, 'validated')`,
        [++sourceId, id, s.book, ...values(s), new Date(START - s.m * MIN), s.live ?? false, s.m % 2 ? 90 : 80],
      );
    }
  };
  await rows('moneylines', 'home_odds, away_odds', snaps.ml, (s) => [s.a, s.b]);
  await rows('spreads', 'home_line, home_odds, away_line, away_odds', snaps.spread, (s) => [s.line, s.a, -s.line!, s.b]);
  await rows('totals', 'total_line, over_odds, under_odds', snaps.total, (s) => [s.line, s.a, s.b]);
}

async function table(db: TestDatabase, name: string, gameId: number, order: string): Promise<Row[]> {
  const rows = await db.query<{ r: Row }>(`SELECT to_jsonb(t) AS r FROM curated.${name} t WHERE game_id = $1 ORDER BY ${order}`, [gameId]);
  return rows.map((x) => x.r);
}

describe('curated features of a hand-built game', () => {
  let db: TestDatabase;
  let counts: Record<string, unknown>;
  const ml = series(ML, false);
  const spread = series(SPREAD, true);
  const total = series(TOTAL, true);
  const expected = expectedGame(101, { moneyline: ml, spread, total });

  beforeAll(async () => {
    db = await createTestDatabase();
    await insertGame(db, 101, { ml: ML, spread: SPREAD, total: TOTAL });
    // edge games: one book only; no pre-game snapshot; moneyline only, and a spread without a valid side
    await insertGame(db, 102, { ml: [ML[0]!, ML[1]!] });
    await insertGame(db, 103, {
      ml: [
        { book: 'pinnacle', m: -5, a: -120, b: 100, live: true },
        { book: 'fanduel', m: 0, a: -120, b: 100 },
      ],
    });
    await insertGame(db, 104, {
      ml: [ML[5]!, ML[6]!],
      spread: [{ book: 'draftkings', m: 100, a: -110, b: 0, line: -3.5 }],
    });
    // two books whose prices cross: the best line is an arbitrage
    await insertGame(db, 105, {
      ml: [
        { book: 'betmgm', m: 30, a: 110, b: -130 },
        { book: 'caesars', m: 20, a: -130, b: 110 },
      ],
    });
    counts = (await db.query<Record<string, unknown>>(`CALL curated.build_features(1, 101, 105)`))[0]!;
  });
  afterAll(() => db.drop());

  it('reports the games of the range as read and written, none rejected', () => {
    expect(counts).toEqual({ rows_in: '5', written: '5', rejected: '0', extras: {} });
  });

  it('prices every pre-game snapshot, skipping live, post-start, invalid and superseded ones', async () => {
    const rows = await table(db, 'market_snapshots', 101, 'market, sportsbook, captured_at');
    const want = (['moneyline', 'spread', 'total'] as const).flatMap((market) =>
      Object.entries({ moneyline: ml, spread, total }[market])
        .sort(([x], [y]) => x.localeCompare(y))
        .flatMap(([book, list]) =>
          list.map((q, i) => {
            const pa = implied(q.a);
            const pb = implied(q.b);
            const k = powerK(pa, pb);
            const S = pa + pb;
            const D = pa - pb;
            const z = ((S - 1) * (D * D - S)) / (S * (D * D - 1));
            return {
              market,
              sportsbook: book,
              captured_at: new Date(q.t).toISOString(),
              game_start: new Date(START).toISOString(),
              minutes_before: (START - q.t) / MIN,
              line: q.line,
              odds_a: q.a,
              odds_b: q.b,
              implied_a: pa,
              implied_b: pb,
              decimal_a: decimal(q.a),
              decimal_b: decimal(q.b),
              overround: S - 1,
              hold: 1 - 1 / S,
              fair_mult_a: pa / S,
              fair_add_a: pa - (S - 1) / 2,
              fair_power_a: pa ** k,
              power_k: k,
              fair_shin_a: (Math.sqrt(z * z + (4 * (1 - z) * pa * pa) / S) - z) / (2 * (1 - z)),
              shin_z: z,
              fair_a: pa ** k,
              fair_move: i === 0 ? null : fair(q) - fair(list[i - 1]!),
              line_move: i === 0 || q.line === null ? null : q.line - list[i - 1]!.line!,
            };
          }),
        ),
    );
    expect(rows).toHaveLength(want.length);
    const fanduelDup = rows.find((r) => r.sportsbook === 'fanduel' && r.market === 'moneyline' && r.minutes_before === 50)!;
    expect(fanduelDup.odds_a).toBe(-155);
    for (const [i, r] of rows.entries()) {
      expect(r.game_id).toBe(101);
      expect(typeof r.source_id).toBe('number');
      expect([80, 90]).toContain(r.data_quality_score);
      const { game_id: _g, source_id: _s, data_quality_score: _q, ...rest } = r;
      expectRow(rest, want[i]!, `snapshot ${String(r.market)}/${String(r.sportsbook)}/${String(r.minutes_before)}`);
    }
  });

  it('computes every per-book feature as defined', async () => {
    const rows = await table(db, 'book_market_features', 101, 'market, sportsbook');
    expect(rows).toHaveLength(expected.books.length);
    for (const [i, r] of rows.entries()) expectRow(r, expected.books[i]!, `book ${String(r.market)}/${String(r.sportsbook)}`);
    // spot checks of the reference model itself, by hand: pinnacle's moneyline moved toward home
    const pin = rows.find((r) => r.market === 'moneyline' && r.sportsbook === 'pinnacle')!;
    expect(pin.open_odds_a).toBe(-150);
    expect(pin.close_odds_a).toBe(-175);
    expect(pin.fair_move as number).toBeGreaterThan(0.03);
    expect(Math.abs((pin.open_fair_a as number) - 0.583983)).toBeLessThan(1e-6);
  });

  it('computes the consensus, dispersion and best line at each checkpoint', async () => {
    const rows = await table(db, 'market_consensus', 101, 'market, minutes_before');
    expect(rows).toHaveLength(expected.consensus.length);
    for (const [i, r] of rows.entries()) expectRow(r, expected.consensus[i]!, `consensus ${String(r.market)}/${String(r.minutes_before)}`);
  });

  it('summarises each market across books and finds no steam in this quiet game', async () => {
    expect(await table(db, 'steam_moves', 101, 'market')).toEqual([]);
    const rows = await table(db, 'game_market_features', 101, 'market');
    expect(rows).toHaveLength(3);
    for (const [i, r] of rows.entries()) expectRow(r, expected.gameMarkets[i]!, `game market ${String(r.market)}`);
  });

  it('writes the game vector with the quality score carried from staging', async () => {
    const [row] = await table(db, 'game_features', 101, 'game_id');
    const gm = Object.fromEntries(expected.gameMarkets.map((r) => [r.market, r])) as Record<Market, Row>;
    const pick = (prefix: string, market: Market, keys: Record<string, string>) =>
      Object.fromEntries(Object.entries(keys).map(([col, key]) => [`${prefix}_${col}`, gm[market][key]]));
    const common = {
      n_books: 'n_books',
      fair_move: 'fair_move',
      volatility: 'volatility',
      momentum: 'momentum',
      books_moved_15m: 'books_moved_15m',
      books_moved_1h: 'books_moved_1h',
      books_moved_3h: 'books_moved_3h',
      dispersion_sd: 'dispersion_sd',
      best_line_overround: 'best_line_overround',
      arbitrage: 'arbitrage',
      mean_hold: 'mean_hold',
      rlm: 'rlm',
    };
    const lines = {
      line: 'close_line',
      line_move: 'line_move',
      line_volatility: 'line_volatility',
      late_line_move_15m: 'late_line_move_15m',
      late_line_move_1h: 'late_line_move_1h',
      late_line_move_3h: 'late_line_move_3h',
      sharp_line: 'sharp_line',
    };
    const snapshots = [...Object.values(ml), ...Object.values(spread), ...Object.values(total)].flat();
    const quality = ML.concat(SPREAD, TOTAL).filter((s) => !s.live && s.m > 0 && Math.abs(s.a) >= 100 && Math.abs(s.b) >= 100);
    expect(snapshots).toHaveLength(quality.length - 1); // the duplicate
    expectRow(
      row!,
      {
        game_id: 101,
        external_game_id: 'ext-101',
        game_start: new Date(START).toISOString(),
        data_quality_score: 87.5,
        market_quality_score:
          Math.round(
            (100 * quality.filter((s) => !(s.book === 'fanduel' && s.a === -150 && s.m === 50)).reduce((t, s) => t + (s.m % 2 ? 90 : 80), 0)) /
              snapshots.length,
          ) / 100,
        has_pregame: true,
        live_snapshots: 2,
        n_books: 3,
        ...pick('ml', 'moneyline', {
          ...common,
          fair_home: 'close_fair_a',
          late_move_15m: 'late_move_15m',
          late_move_1h: 'late_move_1h',
          late_move_3h: 'late_move_3h',
          dispersion_range: 'dispersion_range',
          sharp_fair_home: 'sharp_fair_a',
          soft_sharp_gap: 'soft_sharp_gap',
          steam_home: 'steam_a',
          steam_away: 'steam_b',
        }),
        ...pick('sp', 'spread', { ...common, ...lines, fair_home: 'close_fair_a', steam_home: 'steam_a', steam_away: 'steam_b' }),
        ...pick('tot', 'total', { ...common, ...lines, fair_over: 'close_fair_a', steam_over: 'steam_a', steam_under: 'steam_b' }),
      },
      'game_features',
    );
  });

  it('flags reverse line movement: the sharp book raised the total, the soft books lowered it', async () => {
    const [tot] = await table(db, 'game_market_features', 101, 'market DESC');
    expect(tot).toMatchObject({ market: 'total', sharp_line_move: 0.5, soft_line_move: -0.5, rlm: true });
  });

  it('flags an arbitrage when the best prices across books sum below 1', async () => {
    const [close] = await table(db, 'market_consensus', 105, 'minutes_before');
    expect(close).toMatchObject({
      minutes_before: 0,
      n_books: 2,
      best_odds_a: 110,
      best_book_a: 'betmgm',
      best_odds_b: 110,
      best_book_b: 'caesars',
      arbitrage: true,
    });
    expect(Math.abs((close!.best_line_overround as number) - (200 / 210 - 1))).toBeLessThan(1e-12);
    const [game] = await table(db, 'game_features', 105, 'game_id');
    expect(game).toMatchObject({ ml_arbitrage: true, ml_sharp_fair_home: null, ml_rlm: null });
  });

  it('handles a game with one book only: no dispersion, no soft side, the book is the consensus', async () => {
    const [gm] = await table(db, 'game_market_features', 102, 'market');
    const pinnacle = series([ML[0]!, ML[1]!], false).pinnacle!;
    expect(gm).toMatchObject({
      market: 'moneyline',
      n_books: 1,
      dispersion_sd: null,
      dispersion_range: 0,
      soft_fair_a: null,
      soft_sharp_gap: null,
      rlm: null,
      arbitrage: false,
    });
    expect(gm!.close_fair_a as number).toBeCloseTo(fair(pinnacle[1]!), 9);
    expect(gm!.best_line_overround as number).toBeCloseTo(overround(pinnacle[1]!), 9);
    const [book] = await table(db, 'book_market_features', 102, 'sportsbook');
    expect(book).toMatchObject({ consensus_dev: 0, sharp_gap: 0 });
    const [game] = await table(db, 'game_features', 102, 'game_id');
    expect(game).toMatchObject({ ml_n_books: 1, sp_n_books: 0, tot_n_books: 0, sp_fair_home: null, tot_fair_over: null, ml_steam_home: 0 });
  });

  it('gives a game without a pre-game snapshot its row, flagged, with NULL market features', async () => {
    for (const name of ['market_snapshots', 'book_market_features', 'market_consensus', 'game_market_features']) {
      expect(await table(db, name, 103, 'game_id'), name).toEqual([]);
    }
    const [game] = await table(db, 'game_features', 103, 'game_id');
    expect(game).toMatchObject({ has_pregame: false, live_snapshots: 2, n_books: 0, ml_n_books: 0, market_quality_score: null, data_quality_score: 87.5 });
    const marketColumns = Object.entries(game!).filter(([k]) => /^(ml|sp|tot)_/.test(k) && !k.endsWith('_n_books'));
    expect(marketColumns.length).toBeGreaterThan(60);
    for (const [k, v] of marketColumns) expect(v, k).toBeNull();
  });

  it('leaves a market out when its only snapshot lacks a valid side', async () => {
    const markets = await table(db, 'game_market_features', 104, 'market');
    expect(markets.map((r) => r.market)).toEqual(['moneyline']);
    const [game] = await table(db, 'game_features', 104, 'game_id');
    expect(game).toMatchObject({ has_pregame: true, ml_n_books: 1, sp_n_books: 0, sp_line: null, sp_fair_home: null, tot_n_books: 0 });
  });
});
