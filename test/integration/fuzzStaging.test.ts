/**
 * Property-based fuzzing of the staging procedures (fast-check). Random raw rows — valid, nearly
 * valid and hostile: random Unicode, numbers at and beyond their limits, SQL fragments, spaces,
 * signs, exponents, empty and NULL in every column, exact and near duplicates — are inserted,
 * the phase runs (each procedure CALLed over its ids, games first, the ids cut into 1-3 ranges
 * called in random order, set-based or per record, under a random session TimeZone and
 * DateStyle), and an independent oracle written from docs/reason-codes.md and docs/staging.md
 * says, row by row, what must happen:
 * - every raw row is either staged, with exactly the cleaned and typed values the rules give, or
 *   quarantined with the reason code the rules give (a known code), never both, never neither;
 * - a quarantine row carries the raw row unchanged and a message without control characters;
 * - raw and every table other than staging's five are unchanged.
 * Times are read by the oracle as the documents say: the text's shape checked here, then
 * PostgreSQL's own timestamptz input under TimeZone UTC ("without a zone the time is UTC"), one
 * cast per value caught by an EXCEPTION block (pg_temp.oracle_us): the same oracle on every
 * PostgreSQL version, and independent of staging.timestamp_text_valid (which differs by version).
 * Each case runs in one transaction that is rolled back.
 * Failures found and shrunk become the fixed cases at the end of this file. PGPHASE_FUZZ_RUNS and
 * PGPHASE_FUZZ_SEED set a longer or a repeatable hunt; PGPHASE_FUZZ_STATS=1 prints the outcomes reached.
 */
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import {
  MARKETS,
  type Market,
  type Text,
  type RawRow,
  REASONS,
  COLUMNS,
  trim,
  type Times,
  type Outcome,
  judgeGames,
  judgeMarket,
} from '../oracle/stagingOracle.js';

/** Cases per run of the suite; PGPHASE_FUZZ_RUNS raises it for a longer hunt. */
const RUNS = Number(process.env.PGPHASE_FUZZ_RUNS ?? 100);
// ---------------------------------------------------------------------------------------------
// Generators: valid, nearly valid and hostile values for every column.
// ---------------------------------------------------------------------------------------------

const noNul = (s: string) => s.replace(/\u0000/g, '');
const padded = (arb: fc.Arbitrary<string>) =>
  fc.tuple(fc.constantFrom('', '', '', ' ', '  '), arb, fc.constantFrom('', '', '', ' ', '   ')).map(([a, v, b]) => a + v + b);
const HOSTILE_WORDS = [
  `x'; DROP TABLE raw.games; --`,
  `' OR '1'='1`,
  '$$',
  '$q$;$q$',
  '\\',
  '"',
  "'",
  '%',
  '_',
  'NULL',
  'null',
  '',
  ' ',
  '\t',
  '\n',
  '\r\n',
  '😀',
  'Ω',
  '１２３',
  '١٥٠',
  '\u200b',
  '\u202e',
  '\u0001',
  '\u007f',
  'e',
  'NaN',
  'nan',
  'Infinity',
  '-Infinity',
  'inf',
  '1e3',
  '1E3',
  '0x10',
  '0b1',
  '+-1',
  '--1',
  '1_000',
  '1,5',
  '½',
  '١',
  'Ⅻ',
  '٫',
  '-',
  '+',
  '.',
  '..',
  '0',
  '-0',
  '+0',
  '00',
  '2147483648',
  '-2147483649',
  '9223372036854775808',
  '99999999999999999999',
  '1'.repeat(400),
  'now',
  'today',
  'epoch',
  'infinity',
  'allballs',
  'yesterday',
];
const hostile: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...HOSTILE_WORDS) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 16 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }).map(noNul) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 6 }).map((s) => s.repeat(40)) },
  { weight: 1, arbitrary: fc.constant('z'.repeat(20_000)) },
);
const maybe = (valid: fc.Arbitrary<string>, nearly: fc.Arbitrary<string>): fc.Arbitrary<Text> =>
  fc.oneof({ weight: 12, arbitrary: valid }, { weight: 3, arbitrary: nearly }, { weight: 2, arbitrary: hostile }, { weight: 1, arbitrary: fc.constant(null) });

const GAME_IDS = ['MLB-2024-0001', 'MLB-2024-0002', 'MLB-2024-0003', 'g:1.a_b', 'X'];
const gameId = maybe(
  padded(fc.constantFrom(...GAME_IDS)),
  fc.constantFrom('MLB 2024/17', 'MLB-2024-0001;', 'M'.repeat(65), 'M'.repeat(64), 'mlb-2024-0001', '\tMLB-2024-0001', 'MLB-1999-0042'),
);
const TEAMS = ['NYY', 'BOS', 'New York Yankees', 'St. Louis', "O'Neil & Co-op", 'LA', 'Team 9'];
const teamName = maybe(
  padded(fc.constantFrom(...TEAMS)).map((t) => t.replace('New York', 'New  York')),
  fc.constantFrom('N;Y', 'A', 'x'.repeat(41), 'x'.repeat(40), 'nyy', '-NYY', 'Bet\u0001365', 'Bétway', '  ', 'New\tYork'),
);
const SPORTSBOOKS = [
  'pinnacle',
  'Pinnacle',
  ' PINNACLE ',
  'DraftKings',
  'draft kings',
  'Draft-Kings',
  'DK',
  'William Hill',
  'SugarHouse',
  'bet365',
  'FanDuel',
  'Some Local Book',
  'b.o.o.k',
  "Pinnacle's",
];
const sportsbook = maybe(
  padded(fc.constantFrom(...SPORTSBOOKS)),
  fc.constantFrom('Draft;Kings', "Pinnacle' OR '1'='1", 'Bet\u0001365', 'Bétway', 'b'.repeat(41), 'b'.repeat(40), '-DK', '.', '🎰 Casino'),
);

/** Game starts: a few instants of 2024; captures are placed relative to them. */
const STARTS = ['2024-04-01T17:05:00Z', '2024-04-02T23:10:00Z', '2024-06-15T00:05:00Z', '2024-09-30T19:40:00Z'].map((s) => Date.parse(s));
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
const ZONE_ABBREVIATIONS = ['ADT', 'AMST', 'AMT', 'CADT', 'CHADT', 'GAMT', 'PMDT', 'PMST', 'SADT', 'WADT'];
/** One instant written in the ways the documents accept. */
function written(ms: number, style: number): string {
  const z = iso(ms); // 2024-04-01T17:05:00Z
  const [date, time] = [z.slice(0, 10), z.slice(11, 19)];
  const hour = Number(time.slice(0, 2));
  switch (style) {
    case 0:
      return z;
    case 1:
      return `${date} ${time}+00`;
    case 2:
      return `${date} ${time}`; // no zone: UTC
    case 3:
      return `${date}T${time.slice(0, 5)}`;
    case 4:
      return `${date}T${time}.123456Z`;
    case 5:
      return `${date} ${time} UTC`;
    case 6:
      return `${date}T${time}-05:00`;
    case 7:
      return `${date} ${time} America/New_York`;
    case 8:
      return `${date}T${time}+0530`;
    case 9:
      return `${date} ${String(hour % 12 || 12).padStart(2, '0')}${time.slice(2)} ${hour < 12 ? 'AM' : 'PM'}`; // no zone: UTC
    case 10:
      return `${date}T${time} AD`; // no zone: UTC
    default:
      return `${date} ${time} ${ZONE_ABBREVIATIONS[style % ZONE_ABBREVIATIONS.length]}`; // zones spelt with AM, PM or AD
  }
}
const timeStyle = fc.oneof(
  { weight: 10, arbitrary: fc.integer({ min: 0, max: 10 }) },
  { weight: 1, arbitrary: fc.integer({ min: 11, max: 10 + ZONE_ABBREVIATIONS.length }) },
);
const NEARLY_TIMES = [
  '2024-02-30T10:00:00Z',
  '2024-04-01T25:00:00Z',
  '2024-04-01T17:05:00+99',
  '2024-04-01',
  '2024/04/01 17:05',
  '04/01/2024 17:05',
  '01.04.2024 17:05',
  '2024-04-01T17:05:00Zjunk',
  '２０２４-04-01T17:05:00Z',
  '2024-04-01T17:05:00 BC',
  '1999-12-31T23:59:59Z',
  '2000-01-01T00:00:00Z',
  '2099-05-01T18:00:00Z',
  'J2460402',
  '2024-04-01 17:05 allballs',
  '20240401T170500Z',
  '2024-4-1 17:05',
];
const gameStart = maybe(
  fc.tuple(fc.constantFrom(...STARTS), timeStyle).map(([ms, s]) => written(ms, s)),
  fc.constantFrom(...NEARLY_TIMES),
);
/** Capture offsets from the game start, in minutes: inside the window, and at and beyond its edges. */
const OFFSETS = [-527_040 - 1, -527_040, -2_880, -180, -5, -1, 0, 1, 90, 1_440, 1_441];
const capturedAt = maybe(
  fc.tuple(fc.constantFrom(...STARTS), fc.constantFrom(...OFFSETS), timeStyle).map(([ms, m, s]) => written(ms + m * 60_000, s)),
  fc.constantFrom(...NEARLY_TIMES),
);
const INGESTED = ['2022-03-01 00:00:00+00', '2024-03-01 00:00:00+00', '2023-12-31 12:00:00+00'];

/** Two prices of a plausible market (a fair probability and a margin), written in the ways scrapers do. */
function american(p: number): number {
  return p >= 0.5 ? -Math.round((100 * p) / (1 - p)) : Math.round((100 * (1 - p)) / p);
}
const writtenOdds = (n: number, plus: boolean, pad: string) => `${pad}${n > 0 && plus ? '+' : ''}${n}${pad}`;
const pricePair = fc
  .tuple(fc.double({ min: 0.2, max: 0.8, noNaN: true }), fc.double({ min: -0.01, max: 0.17, noNaN: true }), fc.boolean(), fc.constantFrom('', ' '))
  .map(([p, margin, plus, pad]) => [american(p * (1 + margin)), american((1 - p) * (1 + margin))].map((n) => writtenOdds(n, plus, pad)) as [string, string]);
const NEARLY_ODDS = [
  '-110.5',
  '99',
  '-99',
  '100',
  '-100',
  '20000',
  '-20000',
  '20001',
  '-20001',
  '0',
  '50',
  '+20500',
  '99999999999',
  '-0110',
  '0110',
  '+-120',
  '1e3',
  '１１０',
  '١٥٠',
  'NaN',
  'Infinity',
  '- 110',
  '−110',
];
const oddsPair: fc.Arbitrary<[Text, Text]> = fc.oneof(
  { weight: 8, arbitrary: pricePair },
  {
    weight: 2,
    arbitrary: fc.tuple(
      maybe(fc.constantFrom('-110', '+100', '-105'), fc.constantFrom(...NEARLY_ODDS)),
      maybe(fc.constantFrom('-110', '+100', '-115'), fc.constantFrom(...NEARLY_ODDS)),
    ),
  },
);
const halfSteps = (lo: number, hi: number) => Array.from({ length: (hi - lo) * 2 + 1 }, (_, i) => lo + i / 2);
const writtenLine = (n: number, style: number) =>
  [String(n), n > 0 ? `+${n}` : String(n), n.toFixed(2), ` ${n.toFixed(1)} `, n < 0 ? `-00${-n}` : `00${n}`][style]!;
const NEARLY_LINES = [
  '-1.25',
  '8.25',
  '0',
  '-7.5',
  '25.5',
  '2.5',
  '3.5',
  '20.5',
  '4',
  '1,5',
  '½',
  'NaN',
  '1.5.5',
  'eight',
  '1e1',
  '1234.5',
  '1.2345',
  '+ 1.5',
  '.5',
  '5.',
];
const spreadLines: fc.Arbitrary<[Text, Text]> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc
      .tuple(fc.constantFrom(...halfSteps(-6, 6).filter((l) => l !== 0)), fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 4 }))
      .map(([l, a, b]) => [writtenLine(l, a), writtenLine(-l === 0 ? 0 : -l, b)] as [string, string]),
  },
  {
    weight: 2,
    arbitrary: fc.tuple(
      maybe(fc.constantFrom('-1.5', '1.5'), fc.constantFrom(...NEARLY_LINES)),
      maybe(fc.constantFrom('+1.5', '-1.5'), fc.constantFrom(...NEARLY_LINES)),
    ),
  },
);
const totalLine = maybe(
  fc.tuple(fc.constantFrom(...halfSteps(4, 20)), fc.integer({ min: 0, max: 4 })).map(([l, s]) => writtenLine(l, s)),
  fc.constantFrom(...NEARLY_LINES),
);

/**
 * Rows come in three kinds, so that every rule is reached: clean rows of a scheduled game (one of
 * GAME_IDS, starting at the matching STARTS entry), the same with one or more fields replaced by a
 * nearly valid, hostile or NULL value, and rows whose every field is drawn independently.
 */
const bad = (nearly: fc.Arbitrary<string>): fc.Arbitrary<Text> =>
  fc.oneof({ weight: 3, arbitrary: nearly }, { weight: 2, arbitrary: hostile }, { weight: 1, arbitrary: fc.constant(null) });
function withDefects(clean: fc.Arbitrary<RawRow>, defects: Record<string, fc.Arbitrary<Text>>): fc.Arbitrary<RawRow> {
  const fields = Object.keys(defects);
  const chosen = fc.oneof(
    { weight: 3, arbitrary: fc.constant<string[]>([]) },
    { weight: 4, arbitrary: fc.subarray(fields, { minLength: 1, maxLength: 1 }) },
    { weight: 1, arbitrary: fc.subarray(fields, { minLength: 1 }) },
  );
  return fc.tuple(clean, chosen, fc.record(defects)).map(([row, which, values]) => ({ ...row, ...Object.fromEntries(which.map((f) => [f, values[f]!])) }));
}
const scheduled = fc.integer({ min: 0, max: STARTS.length - 1 });
const cleanTeams = fc
  .tuple(fc.constantFrom(...TEAMS), fc.constantFrom(...TEAMS), fc.constantFrom('', ' ', '  '))
  .filter(([a, b]) => a !== b)
  .map(([a, b, pad]) => [pad + a, b + pad]);
const cleanGame = fc.tuple(scheduled, cleanTeams, timeStyle).map(([g, [home, away], style]) => ({
  external_game_id: GAME_IDS[g]!,
  home_team: home!,
  away_team: away!,
  game_start: written(STARTS[g]!, style),
  ingested_at: INGESTED[1]!,
}));
const gameRow: fc.Arbitrary<RawRow> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc
      .tuple(
        withDefects(cleanGame, {
          external_game_id: bad(fc.constantFrom('MLB 2024/17', 'MLB-2024-0001;', 'M'.repeat(65), 'M'.repeat(64), 'mlb-2024-0001', '\tMLB-2024-0001')),
          home_team: bad(fc.constantFrom('N;Y', 'A', 'x'.repeat(41), 'x'.repeat(40), 'bos', ' BOS ', '-NYY', 'Bétway', 'New\tYork')),
          away_team: bad(fc.constantFrom('N;Y', 'A', 'x'.repeat(41), 'nyy', 'NYY', '  NYY ', 'Bet\u0001365')),
          game_start: bad(fc.constantFrom(...NEARLY_TIMES)),
        }),
        fc.constantFrom(...INGESTED),
      )
      .map(([row, ingested]) => ({ ...row, ingested_at: ingested })),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      external_game_id: gameId,
      home_team: teamName,
      away_team: teamName,
      game_start: gameStart,
      ingested_at: fc.constantFrom(...INGESTED),
    }),
  },
);
/** A clean snapshot of a scheduled game: a known or plausible book, a capture time inside its window. */
const cleanSnapshot = fc
  .tuple(scheduled, padded(fc.constantFrom(...SPORTSBOOKS)), fc.constantFrom(-2_880, -600, -180, -30, -5, -1, 0, 60, 240), timeStyle, fc.constantFrom('', ' '))
  .map(([g, book, minutes, style, pad]) => ({
    external_game_id: pad + GAME_IDS[g]!,
    sportsbook: book,
    captured_at: written(STARTS[g]! + minutes * 60_000, style),
  }));
const snapshotDefects = {
  external_game_id: bad(fc.constantFrom('MLB-1999-0042', 'MLB-2024-0009', 'mlb-2024-0001', '\tMLB-2024-0001', ...GAME_IDS)),
  sportsbook: bad(fc.constantFrom('Draft;Kings', "Pinnacle' OR '1'='1", 'Bet\u0001365', 'Bétway', 'b'.repeat(41), 'b'.repeat(40), '-DK', '.', '🎰 Casino')),
  captured_at: bad(
    fc.oneof(
      fc.constantFrom(...NEARLY_TIMES),
      fc.tuple(fc.constantFrom(...STARTS), fc.constantFrom(...OFFSETS), timeStyle).map(([ms, m, st]) => written(ms + m * 60_000, st)),
    ),
  ),
};
const badOdds = bad(fc.constantFrom(...NEARLY_ODDS));
const badLine = bad(fc.oneof(fc.constantFrom(...NEARLY_LINES), fc.constantFrom(...halfSteps(-8, 22)).map(String)));
const marketRow: Record<Market, fc.Arbitrary<RawRow>> = {
  moneylines: fc.oneof(
    {
      weight: 5,
      arbitrary: withDefects(
        fc.tuple(cleanSnapshot, pricePair).map(([r, [a, b]]) => ({ ...r, home_odds: a, away_odds: b })),
        { ...snapshotDefects, home_odds: badOdds, away_odds: badOdds },
      ),
    },
    {
      weight: 1,
      arbitrary: fc
        .record({ external_game_id: gameId, sportsbook, captured_at: capturedAt, odds: oddsPair })
        .map(({ odds, ...r }) => ({ ...r, home_odds: odds[0], away_odds: odds[1] })),
    },
  ),
  spreads: fc.oneof(
    {
      weight: 5,
      arbitrary: withDefects(
        fc.tuple(cleanSnapshot, pricePair, spreadLines).map(([r, [a, b], [la, lb]]) => ({ ...r, home_odds: a, away_odds: b, home_line: la, away_line: lb })),
        { ...snapshotDefects, home_odds: badOdds, away_odds: badOdds, home_line: badLine, away_line: badLine },
      ),
    },
    {
      weight: 1,
      arbitrary: fc
        .record({ external_game_id: gameId, sportsbook, captured_at: capturedAt, odds: oddsPair, lines: spreadLines })
        .map(({ odds, lines, ...r }) => ({ ...r, home_odds: odds[0], away_odds: odds[1], home_line: lines[0], away_line: lines[1] })),
    },
  ),
  totals: fc.oneof(
    {
      weight: 5,
      arbitrary: withDefects(
        fc.tuple(cleanSnapshot, pricePair, totalLine).map(([r, [a, b], l]) => ({ ...r, over_odds: a, under_odds: b, total_line: l })),
        { ...snapshotDefects, over_odds: badOdds, under_odds: badOdds, total_line: badLine },
      ),
    },
    {
      weight: 1,
      arbitrary: fc
        .record({ external_game_id: gameId, sportsbook, captured_at: capturedAt, odds: oddsPair, total_line: totalLine })
        .map(({ odds, ...r }) => ({ ...r, over_odds: odds[0], under_odds: odds[1] })),
    },
  ),
};
/** Rows of a table, with some exact copies of earlier rows mixed in (the same scrape stored twice). */
const withCopies = (row: fc.Arbitrary<RawRow>, max: number) =>
  fc
    .tuple(fc.array(row, { maxLength: max }), fc.array(fc.nat(), { maxLength: 4 }))
    .map(([rows, copies]) => (rows.length ? [...rows, ...copies.map((i) => ({ ...rows[i % rows.length]! }))] : rows));

interface Scenario {
  readonly games: RawRow[];
  readonly moneylines: RawRow[];
  readonly spreads: RawRow[];
  readonly totals: RawRow[];
  readonly timeZone: string;
  readonly dateStyle: string;
  readonly perRecord: boolean;
  /** Where each table's ids are cut into ranges (fractions), and the order the ranges run in. */
  readonly cuts: number[];
  readonly reverse: boolean;
}
const scenario: fc.Arbitrary<Scenario> = fc.record({
  games: fc.tuple(fc.subarray([0, 1, 2, 3]), fc.array(cleanTeams, { minLength: 4, maxLength: 4 }), withCopies(gameRow, 6)).map(([ids, teams, rows]) => [
    ...ids.map((g) => ({
      external_game_id: GAME_IDS[g]!,
      home_team: teams[g]![0]!,
      away_team: teams[g]![1]!,
      game_start: written(STARTS[g]!, 0),
      ingested_at: INGESTED[1]!,
    })),
    ...rows,
  ]),
  moneylines: withCopies(marketRow.moneylines, 10),
  spreads: withCopies(marketRow.spreads, 10),
  totals: withCopies(marketRow.totals, 10),
  timeZone: fc.constantFrom('UTC', 'America/New_York', 'Asia/Kathmandu', 'Pacific/Chatham', 'America/St_Johns', 'Etc/GMT+12'),
  dateStyle: fc.constantFrom('ISO, MDY', 'SQL, DMY', 'German', 'Postgres, YMD'),
  perRecord: fc.boolean(),
  cuts: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 2 }),
  reverse: fc.boolean(),
});

// ---------------------------------------------------------------------------------------------
// Running a scenario and checking it.
// ---------------------------------------------------------------------------------------------

async function insert(client: pg.ClientBase, table: 'games' | Market, rows: RawRow[]): Promise<void> {
  if (rows.length === 0) return;
  const cols = [...COLUMNS[table], ...(table === 'games' ? ['ingested_at'] : [])];
  const values = rows.map((_, i) => `(${cols.map((c, j) => `$${i * cols.length + j + 1}${c === 'ingested_at' ? '::timestamptz' : ''}`).join(', ')})`);
  await client.query(
    `INSERT INTO raw.${table} (${cols.join(', ')}) VALUES ${values.join(', ')}`,
    rows.flatMap((r) => cols.map((c) => r[c] ?? null)),
  );
}

/** The ranges a table's ids [lo, hi] are cut into, in the order they are called. */
function ranges(lo: number, hi: number, s: Pick<Scenario, 'cuts' | 'reverse'>): [number, number][] {
  const points = [...new Set(s.cuts.map((f) => lo + Math.floor(f * (hi - lo))))].sort((a, b) => a - b);
  const out: [number, number][] = [];
  let from = lo;
  for (const p of points) {
    if (p < from || p >= hi) continue;
    out.push([from, p]);
    from = p + 1;
  }
  out.push([from, hi]);
  return s.reverse ? out.reverse() : out;
}

async function otherTablesChecksum(client: pg.ClientBase): Promise<string> {
  const { rows: tables } = await client.query<{ name: string }>(
    `SELECT format('%I.%I', schemaname, tablename) AS name FROM pg_tables
      WHERE schemaname IN ('raw', 'staging', 'curated', 'pipeline', 'pgphase', 'public')
        AND format('%I.%I', schemaname, tablename) NOT IN ('staging.games', 'staging.moneylines', 'staging.spreads', 'staging.totals', 'pgphase.quarantine',
                                                          'raw.games', 'raw.moneylines', 'raw.spreads', 'raw.totals')
      ORDER BY 1`,
  );
  const { rows } = await client.query<{ md5: string }>(
    `SELECT md5(${tables.map((t) => `coalesce((SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) FROM ${t.name} t), '${t.name}')`).join(' || ')}) AS md5`,
  );
  return rows[0]!.md5;
}

/** Outcomes seen across the cases (printed with PGPHASE_FUZZ_STATS=1): what the fuzzing reached. */
const STATS = new Map<string, number>();
const count = (key: string) => STATS.set(key, (STATS.get(key) ?? 0) + 1);

/** Staged rows with their physical address (a rewrite moves a row), and the quarantine without its counters. */
async function stagingSnapshot(client: pg.ClientBase): Promise<{ rows: string; attempts: string | null }> {
  const { rows } = await client.query<{ rows: string; attempts: string | null }>(`
    SELECT (SELECT string_agg(x, E'\n' ORDER BY x) FROM (
              SELECT concat_ws(' ', 'games', t.ctid, t.*) FROM staging.games t
              UNION ALL SELECT concat_ws(' ', 'moneylines', t.ctid, t.*) FROM staging.moneylines t
              UNION ALL SELECT concat_ws(' ', 'spreads', t.ctid, t.*) FROM staging.spreads t
              UNION ALL SELECT concat_ws(' ', 'totals', t.ctid, t.*) FROM staging.totals t
              UNION ALL SELECT concat_ws(' ', 'quarantine', q.source_table, q.source_id, q.reason_code, q.message, q.sqlstate, q.raw_row) FROM pgphase.quarantine q
            ) s (x)) AS rows,
           (SELECT string_agg(DISTINCT attempts::text, ',') FROM pgphase.quarantine) AS attempts`);
  return { rows: rows[0]!.rows ?? '', attempts: rows[0]!.attempts };
}
const diff = (a: string, b: string) => {
  const [x, y] = [new Set(a.split('\n')), new Set(b.split('\n'))];
  return [...[...x].filter((l) => !y.has(l)).map((l) => `- ${l}`), ...[...y].filter((l) => !x.has(l)).map((l) => `+ ${l}`)].slice(0, 6).join('\n');
};

async function rawChecksum(client: pg.ClientBase): Promise<string> {
  const parts = ['games', ...MARKETS].map((t) => `coalesce((SELECT md5(string_agg(t::text, '|' ORDER BY t.id)) FROM raw.${t} t), '-')`);
  const { rows } = await client.query<{ md5: string }>(`SELECT md5(${parts.join(' || ')}) AS md5`);
  return rows[0]!.md5;
}

/** Runs the staging phase on a scenario and returns every mismatch with the oracle (empty: all good). */
async function check(client: pg.ClientBase, s: Scenario, aliases: Map<string, string>): Promise<string[]> {
  const problems: string[] = [];
  await client.query('BEGIN');
  try {
    await client.query(`SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO, MDY'`); // the checksums print timestamps
    const untouched = await otherTablesChecksum(client);
    for (const t of ['games', ...MARKETS] as const) await insert(client, t, s[t]);
    const raw: Record<string, RawRow[]> = {};
    for (const t of ['games', ...MARKETS] as const) {
      raw[t] = (
        await client.query<RawRow>(
          `SELECT r.*, r.id::text AS id, to_char(r.ingested_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00' AS ingested_at FROM raw.${t} r ORDER BY r.id`,
        )
      ).rows;
    }

    // The oracle's times: shape here, PostgreSQL's timestamptz input under TimeZone UTC.
    const rawBefore = await rawChecksum(client);
    const texts = new Set<string>();
    for (const g of raw.games!) if (g.game_start !== null) texts.add(g.game_start!);
    for (const t of MARKETS) for (const r of raw[t]!) if (r.captured_at !== null) texts.add(r.captured_at!);
    const list = [...texts];
    const { rows: parsed } = await client.query<{ i: number; us: string | null }>(
      `SELECT i, pg_temp.oracle_us(v) AS us FROM unnest($1::text[]) WITH ORDINALITY AS x (v, i)`,
      [list],
    );
    const times: Times = new Map();
    for (const p of parsed) {
      const v = list[p.i - 1]!;
      const shape = /^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}/.test(trim(v));
      times.set(v, shape && p.us !== null ? BigInt(p.us) : null);
    }
    const { rows: ingested } = await client.query<{ v: string; us: string }>(
      `SELECT v, (extract(epoch FROM v::timestamptz) * 1000000)::bigint::text AS us FROM unnest($1::text[]) v`,
      [[...new Set(raw.games!.map((g) => g.ingested_at!))]],
    );
    for (const i of ingested) times.set(`@${i.v}`, BigInt(i.us));

    // The phase, as hostile a session as the runner might have.
    const runPhase = async (perRecord: boolean, cut: Pick<Scenario, 'cuts' | 'reverse'>) => {
      await client.query(`SELECT set_config('TimeZone', $1, true), set_config('DateStyle', $2, true), set_config('pgphase.force_per_record', $3, true)`, [
        s.timeZone,
        s.dateStyle,
        perRecord ? 'on' : 'off',
      ]);
      for (const t of ['games', ...MARKETS] as const) {
        const ids = raw[t]!.map((r) => Number(r.id));
        if (ids.length === 0) continue;
        for (const [lo, hi] of ranges(ids[0]!, ids.at(-1)!, cut)) {
          const { rows } = await client.query<{ rows_in: string; written: string; rejected: string }>(`CALL staging.load_${t}(0, $1, $2)`, [lo, hi]);
          const c = rows[0]!;
          const inRange = ids.filter((id) => id >= lo && id <= hi).length;
          if (Number(c.rows_in) !== inRange || Number(c.written) + Number(c.rejected) !== inRange) {
            problems.push(`load_${t}(${lo}, ${hi}) counted ${JSON.stringify(c)} for ${inRange} raw rows`);
          }
        }
      }
      await client.query(`SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO, MDY'`);
    };
    await runPhase(s.perRecord, s);

    // What the oracle says, table by table.
    const gameOutcomes = judgeGames(raw.games!, times);
    const staged = new Map<string, bigint>();
    for (const o of gameOutcomes.values()) if (o.kind === 'staged') staged.set(o.values.external_game_id as string, BigInt(o.values.game_start as string));
    const expected: Record<string, Map<string, Outcome>> = { games: gameOutcomes };
    for (const t of MARKETS) expected[t] = judgeMarket(t, raw[t]!, times, staged, aliases);

    const { rows: quarantine } = await client.query<{
      source_table: string;
      source_id: string;
      reason_code: string;
      message: string | null;
      raw_row: Record<string, unknown>;
    }>(`SELECT source_table, source_id::text, reason_code, message, raw_row FROM pgphase.quarantine`);
    const { rows: gameIds } = await client.query<{ id: string; external_game_id: string }>(`SELECT id::text, external_game_id FROM staging.games`);
    const gameOf = new Map(gameIds.map((g) => [g.id, g.external_game_id]));
    for (const t of ['games', ...MARKETS] as const) {
      const cols =
        t === 'games'
          ? ['external_game_id', 'home_team', 'away_team', 'game_start']
          : ['game_id', 'sportsbook', ...COLUMNS[t].filter((c) => /odds|line/.test(c)), 'captured_at', 'is_live'];
      const { rows: stagedRows } = await client.query<Record<string, unknown>>(
        `SELECT source_raw_id::text AS id, data_quality_score::float8 AS score, validation_status,
                ${cols.map((c) => (c === 'game_start' || c === 'captured_at' ? `(extract(epoch FROM ${c}) * 1000000)::bigint::text AS ${c}` : /line/.test(c) ? `${c}::float8 AS ${c}` : c)).join(', ')}
           FROM staging.${t}`,
      );
      const stagedById = new Map(stagedRows.map((r) => [r.id as string, r]));
      const quarantinedById = new Map(quarantine.filter((q) => q.source_table === `raw.${t}`).map((q) => [q.source_id, q]));
      for (const r of raw[t]!) {
        const want = expected[t]!.get(r.id!)!;
        const got = stagedById.get(r.id!);
        const q = quarantinedById.get(r.id!);
        const row = `raw.${t} ${JSON.stringify(Object.fromEntries(COLUMNS[t].map((c) => [c, r[c]])))}`;
        count(`${t} ${got ? 'staged' : (q?.reason_code ?? 'lost')}`);
        if (got && q) problems.push(`${row} is both staged and quarantined (${q.reason_code})`);
        else if (!got && !q) problems.push(`${row} is neither staged nor quarantined`);
        else if (want.kind === 'quarantined' && got) problems.push(`${row} was staged; the rules say ${want.reasons.join(' or ')}`);
        else if (want.kind === 'staged' && q) problems.push(`${row} was quarantined as ${q.reason_code} (${q.message}); the rules stage it`);
        else if (want.kind === 'quarantined' && q && !want.reasons.includes(q.reason_code)) {
          problems.push(`${row} was quarantined as ${q.reason_code} (${q.message}); the rules say ${want.reasons.join(' or ')}`);
        } else if (want.kind === 'staged' && got) {
          const actual: Record<string, unknown> = { ...got };
          if (t !== 'games') {
            actual.game = gameOf.get(String(got.game_id));
            delete actual.game_id;
          }
          for (const [k, v] of Object.entries(want.values)) {
            if (actual[k] !== v) problems.push(`${row} staged ${k} = ${JSON.stringify(actual[k])}; the rules say ${JSON.stringify(v)}`);
          }
          const score = got.score as number;
          if (!(score >= 0 && score <= 100) || !['validated', 'warning'].includes(got.validation_status as string)) {
            problems.push(`${row} staged with score ${score} and status ${String(got.validation_status)}`);
          }
        }
        if (q) {
          if (!REASONS.has(q.reason_code)) problems.push(`${row}: unknown reason code ${q.reason_code}`);
          if (q.message === null || /[\u0000-\u001f\u007f]/.test(q.message))
            problems.push(`${row}: message ${JSON.stringify(q.message)} is missing or holds control characters`);
          for (const c of COLUMNS[t]) if ((q.raw_row[c] ?? null) !== r[c]) problems.push(`${row}: quarantine raw_row.${c} = ${JSON.stringify(q.raw_row[c])}`);
        }
      }
      for (const id of stagedById.keys()) if (!raw[t]!.some((r) => r.id === id)) problems.push(`staging.${t} holds source_raw_id ${id}, which is not in raw`);
    }
    // Idempotence: the phase again, over other cuts, on the other path, rewrites no staged row
    // (same physical tuples), keeps every outcome, and counts one more attempt per quarantined row.
    const before = await stagingSnapshot(client);
    await runPhase(!s.perRecord, { cuts: [0.5, ...s.cuts.map((c) => 1 - c)], reverse: !s.reverse });
    const after = await stagingSnapshot(client);
    if (after.rows !== before.rows) problems.push(`a second run changed staging or the quarantine:\n${diff(before.rows, after.rows)}`);
    if (after.attempts !== (quarantine.length ? '2' : null)) problems.push(`quarantine attempts after a second run: ${after.attempts}`);
    if ((await rawChecksum(client)) !== rawBefore) problems.push('raw changed');
    if ((await otherTablesChecksum(client)) !== untouched) problems.push('a table other than raw and staging changed');
  } finally {
    await client.query('ROLLBACK');
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------

describe('fuzzing the staging procedures', () => {
  let db: TestDatabase;
  let client: pg.Client;
  let aliases: Map<string, string>;
  beforeAll(async () => {
    db = await createTestDatabase();
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
    // The oracle's reading of a time: PostgreSQL's cast, an error meaning "does not parse".
    await client.query(`CREATE FUNCTION pg_temp.oracle_us(v text) RETURNS text LANGUAGE plpgsql AS $$
      BEGIN
        RETURN CASE WHEN isfinite(v::timestamptz) THEN (extract(epoch FROM v::timestamptz) * 1000000)::bigint::text END;
      EXCEPTION WHEN others THEN
        RETURN NULL;
      END $$`);
    const { rows } = await client.query<{ alias: string; sportsbook: string }>(`SELECT alias, sportsbook FROM staging.sportsbook_aliases`);
    aliases = new Map(rows.map((r) => [r.alias, r.sportsbook]));
  });
  afterAll(async () => {
    await client.end();
    await db.drop();
  });

  it(
    `every raw row is staged as the rules say or quarantined with the rules' reason (${RUNS} random cases)`,
    async () => {
      let rows = 0;
      await fc.assert(
        fc.asyncProperty(scenario, async (s) => {
          rows += s.games.length + s.moneylines.length + s.spreads.length + s.totals.length;
          const problems = await check(client, s, aliases);
          if (problems.length) throw new Error(problems.slice(0, 5).join('\n'));
        }),
        { numRuns: RUNS, seed: process.env.PGPHASE_FUZZ_SEED ? Number(process.env.PGPHASE_FUZZ_SEED) : undefined, endOnFailure: false },
      );
      expect(rows).toBeGreaterThan(RUNS * 5);
      if (process.env.PGPHASE_FUZZ_STATS === '1')
        process.stderr.write(
          `${[...STATS]
            .sort()
            .map(([k, n]) => `${k}: ${n}`)
            .join('\n')}\n`,
        );
    },
    Math.max(120_000, RUNS * 500),
  );

  const base: Omit<Scenario, 'games' | 'moneylines' | 'spreads' | 'totals'> = {
    timeZone: 'UTC',
    dateStyle: 'ISO, MDY',
    perRecord: false,
    cuts: [],
    reverse: false,
  };
  const game = (over: Partial<RawRow> = {}): RawRow => ({
    external_game_id: 'MLB-2024-0001',
    home_team: 'NYY',
    away_team: 'BOS',
    game_start: '2024-04-01T17:05:00Z',
    ingested_at: INGESTED[1]!,
    ...over,
  });
  const moneyline = (over: Partial<RawRow> = {}): RawRow => ({
    external_game_id: 'MLB-2024-0001',
    sportsbook: 'DK',
    home_odds: '-110',
    away_odds: '-110',
    captured_at: '2024-04-01T16:00:00Z',
    ...over,
  });
  const fixed = (name: string, s: Partial<Scenario>) =>
    it(name, async () => {
      expect(await check(client, { ...base, games: [], moneylines: [], spreads: [], totals: [], ...s }, aliases)).toEqual([]);
    });

  // What the property found, shrunk (seed 1546818211): a spread captured '2024-03-30 05:05:00 PM'
  // under TimeZone Etc/GMT+12 was staged at 2024-03-31 05:05 UTC instead of 2024-03-30 17:05 UTC:
  // staging.parse_timestamp took a time with AM/PM (or AD) for one with a zone and read it in the
  // session's TimeZone. Fixed in procedures/staging_parse_timestamp.sql; kept as regressions.
  fixed('regression: a zone-less time with PM is read as UTC under TimeZone Etc/GMT+12 (the shrunk case)', {
    timeZone: 'Etc/GMT+12',
    games: [game({ external_game_id: 'MLB-2024-0003', home_team: 'St. Louis', away_team: 'NYY', game_start: '2024-06-15T00:05:00Z' })],
    spreads: [
      {
        external_game_id: 'MLB-2024-0003',
        sportsbook: 'pinnacle',
        captured_at: '2024-03-30 05:05:00 PM',
        home_odds: '400',
        away_odds: '-400',
        home_line: '-5',
        away_line: '5',
      },
    ],
  });
  fixed('regression: zone-less times with PM and AD are read as UTC under TimeZone Asia/Kathmandu', {
    timeZone: 'Asia/Kathmandu',
    games: [game({ game_start: '2024-04-01 05:05:00 PM' })],
    moneylines: [moneyline({ captured_at: '2024-04-01 16:00:00 AD' }), moneyline({ sportsbook: 'pinnacle', captured_at: '2024-04-01T04:00 pm' })],
  });
  // A sanity case for the oracle itself: an alias, a padded game id (a duplicate game), an exact
  // copy (duplicate_snapshot), a price with a leading zero (either code), per record, two ranges
  // run backwards, under a far time zone and another DateStyle.
  fixed('the oracle agrees on a small known market: per record, ranges run backwards, far time zone', {
    timeZone: 'Pacific/Chatham',
    dateStyle: 'SQL, DMY',
    perRecord: true,
    cuts: [0.5],
    reverse: true,
    games: [game(), game({ external_game_id: ' MLB-2024-0001 ' })],
    moneylines: [moneyline(), moneyline({ sportsbook: 'draft kings' }), moneyline(), moneyline({ home_odds: '-0110' })],
  });
});
