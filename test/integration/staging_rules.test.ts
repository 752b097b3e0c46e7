/**
 * Every validation rule of the staging phase, against a real PostgreSQL: a row that breaks a
 * rule is quarantined with its reason code (and a message naming the field), a row at the edge
 * of it is staged with the right typed, cleaned values. All cases are inserted up front and
 * staged with one CALL per table, as the runner would; each test then reads its own row.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

type Row = Record<string, string | null>;
interface Outcome {
  readonly staged?: Record<string, unknown>;
  readonly quarantined?: { reason_code: string; message: string; raw_row: Record<string, unknown> };
}

const START = '2024-06-01T23:05:00Z';
const GAME: Row = { external_game_id: 'G1', home_team: 'NYY', away_team: 'BOS', game_start: START };
const MONEYLINE: Row = { external_game_id: 'G1', sportsbook: 'Pinnacle', home_odds: '-120', away_odds: '+110', captured_at: '2024-06-01T20:00:00Z' };
const SPREAD: Row = { ...MONEYLINE, home_line: '-1.5', home_odds: '+140', away_line: '+1.5', away_odds: '-160' };
const TOTAL: Row = {
  external_game_id: 'G1',
  sportsbook: 'Pinnacle',
  total_line: '8.5',
  over_odds: '-110',
  under_odds: '-110',
  captured_at: '2024-06-01T20:00:00Z',
};

const cases = {
  games: new Map<string, Row>(),
  moneylines: new Map<string, Row>(),
  spreads: new Map<string, Row>(),
  totals: new Map<string, Row>(),
};
function game(name: string, row: Row): string {
  cases.games.set(name, { ...GAME, ...row });
  return name;
}
function ml(name: string, row: Row): string {
  cases.moneylines.set(name, { ...MONEYLINE, ...row });
  return name;
}
function spread(name: string, row: Row): string {
  cases.spreads.set(name, { ...SPREAD, ...row });
  return name;
}
function total(name: string, row: Row): string {
  cases.totals.set(name, { ...TOTAL, ...row });
  return name;
}

// ---- games: G1 is the game every market case refers to.
game('valid G1', { ingested_at: '2024-05-01T00:00:00Z' });
const gameRejects: [string, Row, string][] = [
  ['no home team', { external_game_id: 'GX1', home_team: null }, 'missing_field'],
  ['blank start', { external_game_id: 'GX2', game_start: '   ' }, 'missing_field'],
  ['id with a space', { external_game_id: 'G 3' }, 'invalid_game_id'],
  ['65-character id', { external_game_id: 'G'.repeat(65) }, 'invalid_game_id'],
  ['team with a semicolon', { external_game_id: 'GX5', home_team: 'N;Y' }, 'invalid_team'],
  ['41-character team', { external_game_id: 'GX6', away_team: 'B'.repeat(41) }, 'invalid_team'],
  ['same teams up to case and spaces', { external_game_id: 'GX7', away_team: ' nyy ' }, 'same_teams'],
  ['30 February', { external_game_id: 'GX8', game_start: '2024-02-30T23:05:00Z' }, 'invalid_timestamp'],
  ['"tomorrow"', { external_game_id: 'GX9', game_start: 'tomorrow' }, 'invalid_timestamp'],
  ['day-first date', { external_game_id: 'GX10', game_start: '01/06/2024 23:05' }, 'invalid_timestamp'],
  ['before 2000', { external_game_id: 'GX11', game_start: '1999-12-31T23:59:59Z' }, 'timestamp_out_of_range'],
  [
    'over 2 years after ingestion',
    { external_game_id: 'GX12', game_start: '2026-05-02T00:00:01Z', ingested_at: '2024-05-01T00:00:00Z' },
    'timestamp_out_of_range',
  ],
];
for (const [name, row] of gameRejects) game(name, row);
game('exact copy of G1', { ingested_at: '2024-05-01T00:00:00Z' });
game('G1 again with another start', { game_start: '2024-06-02T23:05:00Z' });
game('padded teams and a 64-character id', { external_game_id: 'E'.repeat(64), home_team: '  New   York  Yankees ', away_team: 'Boston Red Sox' });
game('start exactly 730 days after ingestion', { external_game_id: 'GE2', game_start: '2026-05-01T00:00:00+00:00', ingested_at: '2024-05-01T00:00:00Z' });
game('zoneless start', { external_game_id: 'GE3', game_start: '2024-06-01 23:05:00' });
game('offset start', { external_game_id: 'GE4', game_start: '2024-06-01T19:05:00-04:00' });
game('orphan target', { external_game_id: 'GBAD', home_team: 'SEA', away_team: 'SEA' });

// ---- moneylines (the shared rules: odds, overround, time, game, sportsbook, duplicates)
const mlRejects: [string, Row, string][] = [
  ['decimal odds', { home_odds: '-110.5' }, 'invalid_odds'],
  ['NaN', { home_odds: 'NaN' }, 'invalid_odds'],
  ['Infinity', { away_odds: 'Infinity' }, 'invalid_odds'],
  ['exponent', { home_odds: '1e3' }, 'invalid_odds'],
  ['text', { away_odds: 'even' }, 'invalid_odds'],
  ['fullwidth digits', { home_odds: '\uFF11\uFF12\uFF10' }, 'invalid_odds'],
  ['Arabic-Indic digits', { away_odds: '\u0661\u0665\u0660' }, 'invalid_odds'],
  ['two signs', { home_odds: '+-120' }, 'invalid_odds'],
  ['zero', { home_odds: '0' }, 'odds_out_of_range'],
  ['50', { away_odds: '50' }, 'odds_out_of_range'],
  ['-99', { home_odds: '-99' }, 'odds_out_of_range'],
  ['+20001', { away_odds: '+20001' }, 'odds_out_of_range'],
  ['overflowing digits', { home_odds: '99999999999999999999' }, 'odds_out_of_range'],
  ['missing odds', { home_odds: null }, 'missing_field'],
  ['blank odds', { away_odds: '  ' }, 'missing_field'],
  ['missing game id', { external_game_id: null }, 'missing_field'],
  ['empty sportsbook', { sportsbook: '' }, 'missing_field'],
  ['missing capture time', { captured_at: null }, 'missing_field'],
  ['arbitrage prices', { home_odds: '+105', away_odds: '+105' }, 'overround_negative'],
  ['hold just above the ceiling', { home_odds: '-136', away_odds: '-136' }, 'overround_too_high'],
  ['30 February', { captured_at: '2024-02-30T20:00:00Z' }, 'invalid_timestamp'],
  ['"now"', { captured_at: 'now' }, 'invalid_timestamp'],
  ['"infinity"', { captured_at: 'infinity' }, 'invalid_timestamp'],
  ['hour 25', { captured_at: '2024-06-01T25:00:00Z' }, 'invalid_timestamp'],
  ['offset +99', { captured_at: '2024-06-01T20:00:00+99' }, 'invalid_timestamp'],
  ['month-first date', { captured_at: '06/01/2024 20:00' }, 'invalid_timestamp'],
  ['fullwidth year', { captured_at: '\uFF12\uFF10\uFF12\uFF14-06-01T20:00:00Z' }, 'invalid_timestamp'],
  ['before 2000', { captured_at: '1999-12-31T23:59:59Z' }, 'timestamp_out_of_range'],
  ['far future', { captured_at: '2090-01-01T00:00:00Z' }, 'timestamp_out_of_range'],
  ['a second past start + 24 h', { captured_at: '2024-06-02T23:05:01Z' }, 'timestamp_out_of_range'],
  ['over 366 days before start', { captured_at: '2023-05-31T23:04:59Z' }, 'timestamp_out_of_range'],
  ['unknown game', { external_game_id: 'G404' }, 'unknown_game'],
  ['game that was quarantined', { external_game_id: 'GBAD' }, 'unknown_game'],
  ['game id that was only a rejected copy', { external_game_id: 'GX7' }, 'unknown_game'],
  ['semicolon in sportsbook', { sportsbook: 'Draft;Kings' }, 'invalid_sportsbook'],
  ['41-character sportsbook', { sportsbook: 'B'.repeat(41) }, 'invalid_sportsbook'],
  ['control character in sportsbook', { sportsbook: 'Bet\u0001365' }, 'invalid_sportsbook'],
  ['SQL in sportsbook', { sportsbook: "Pinnacle' OR '1'='1" }, 'invalid_sportsbook'],
  ['non-ASCII sportsbook', { sportsbook: 'B\u00e9tway' }, 'invalid_sportsbook'],
];
for (const [name, row] of mlRejects) ml(name, row);
const mlEdges: [string, Row, Record<string, unknown>][] = [
  ['+100 / -100 (overround exactly 0)', { home_odds: '+100', away_odds: '-100' }, { home_odds: 100, away_odds: -100 }],
  ['-150 / +150 (fair, float rounding)', { home_odds: '-150', away_odds: '+150', captured_at: '2024-06-01T20:00:01Z' }, { home_odds: -150, away_odds: 150 }],
  ['hold just below the ceiling', { home_odds: '-135', away_odds: '-135' }, { home_odds: -135, away_odds: -135, validation_status: 'warning' }],
  ['+20000 / -20000', { home_odds: '+20000', away_odds: '-20000' }, { home_odds: 20000, away_odds: -20000 }],
  ['unsigned and padded odds', { home_odds: ' 130 ', away_odds: '-150', captured_at: '2024-06-01T20:00:02Z' }, { home_odds: 130, away_odds: -150 }],
  ['exactly at the start: live', { captured_at: START }, { is_live: true, captured_at: '2024-06-01T23:05:00.000Z' }],
  ['a second before the start: not live', { captured_at: '2024-06-01T23:04:59Z' }, { is_live: false }],
  ['exactly start + 24 h', { captured_at: '2024-06-02T23:05:00Z' }, { is_live: true }],
  ['exactly 366 days before start', { captured_at: '2023-06-01T23:05:00Z' }, { is_live: false }],
  ['zoneless capture time is UTC', { captured_at: '2024-06-01 21:00:00' }, { captured_at: '2024-06-01T21:00:00.000Z' }],
  ['offset capture time', { captured_at: '2024-06-01T17:30:00-04:00' }, { captured_at: '2024-06-01T21:30:00.000Z' }],
  ['fraction and no seconds', { captured_at: '2024-06-01T21:45' }, { captured_at: '2024-06-01T21:45:00.000Z' }],
  ['padded, upper-case book', { sportsbook: '  FANDUEL ' }, { sportsbook: 'fanduel' }],
  ['alias DK', { sportsbook: 'DK', captured_at: '2024-06-01T19:00:00Z' }, { sportsbook: 'draftkings' }],
  ['alias William Hill', { sportsbook: 'William Hill' }, { sportsbook: 'caesars' }],
  ['punctuated book', { sportsbook: 'Draft-Kings' }, { sportsbook: 'draftkings' }],
  ['unknown 40-character book', { sportsbook: `A${'b'.repeat(39)}` }, { sportsbook: `a${'b'.repeat(39)}`, validation_status: 'warning' }],
];
for (const [name, row] of mlEdges) ml(name, row);
ml('original', { captured_at: '2024-06-01T18:00:00Z' });
ml('exact duplicate', { captured_at: '2024-06-01T18:00:00Z' });
ml('duplicate up to spelling', { sportsbook: ' pinnacle', home_odds: '-120 ', away_odds: '110', captured_at: ' 2024-06-01T18:00:00Z' });
ml('same time, other price', { home_odds: '-125', captured_at: '2024-06-01T18:00:00Z' });
ml('score: sharp book, fresh, tidy', { home_odds: '-110', away_odds: '-110', captured_at: '2024-06-01T22:35:00Z' });
ml('score: alias, zoneless, live', { sportsbook: 'DK', home_odds: '-120', away_odds: '+110', captured_at: '2024-06-01 23:35:00' });

// ---- spreads (run lines)
const spreadRejects: [string, Row, string][] = [
  ['lines not opposite', { away_line: '-1.5' }, 'line_mismatch'],
  ['quarter line', { home_line: '-1.25', away_line: '+1.25' }, 'line_not_half_step'],
  ['run line 6', { home_line: '-6.0', away_line: '+6.0' }, 'line_out_of_range'],
  ['run line 0', { home_line: '0', away_line: '0' }, 'line_out_of_range'],
  ['NaN line', { home_line: 'NaN' }, 'invalid_line'],
  ['line 1.5.5', { away_line: '1.5.5' }, 'invalid_line'],
  ['vulgar fraction', { home_line: '\u00bd' }, 'invalid_line'],
  ['missing line', { home_line: null }, 'missing_field'],
  ['bad odds before lines', { home_odds: '-110.5', home_line: 'x' }, 'invalid_odds'],
];
for (const [name, row] of spreadRejects) spread(name, row);
const spreadEdges: [string, Row, Record<string, unknown>][] = [
  ['run line 5.5', { home_line: '-5.5', away_line: '+5.5' }, { home_line: -5.5, away_line: 5.5 }],
  ['run line 0.5', { home_line: '+0.5', away_line: '-0.5', captured_at: '2024-06-01T20:00:01Z' }, { home_line: 0.5, away_line: -0.5 }],
  [
    'trailing zero and no sign',
    { home_line: '-1.50', away_line: '1.5', captured_at: '2024-06-01T20:00:02Z' },
    { home_line: -1.5, away_line: 1.5, home_odds: 140, away_odds: -160 },
  ],
];
for (const [name, row] of spreadEdges) spread(name, row);

// ---- totals
const totalRejects: [string, Row, string][] = [
  ['total 3.5', { total_line: '3.5' }, 'line_out_of_range'],
  ['total 20.5', { total_line: '20.5' }, 'line_out_of_range'],
  ['negative total', { total_line: '-8.5' }, 'line_out_of_range'],
  ['total 8.25', { total_line: '8.25' }, 'line_not_half_step'],
  ['total as text', { total_line: 'eight' }, 'invalid_line'],
  ['total Infinity', { total_line: 'Infinity' }, 'invalid_line'],
  ['blank total', { total_line: ' ' }, 'missing_field'],
  ['under odds 0', { under_odds: '0' }, 'odds_out_of_range'],
];
for (const [name, row] of totalRejects) total(name, row);
const totalEdges: [string, Row, Record<string, unknown>][] = [
  ['total 4.0', { total_line: '4.0' }, { total_line: 4 }],
  ['total 20', { total_line: '20', captured_at: '2024-06-01T20:00:01Z' }, { total_line: 20 }],
  ['total 9 (whole runs)', { total_line: ' 9 ', captured_at: '2024-06-01T20:00:02Z' }, { total_line: 9, over_odds: -110, under_odds: -110 }],
];
for (const [name, row] of totalEdges) total(name, row);

describe('staging rules', () => {
  let db: TestDatabase;
  const outcome = new Map<string, Outcome>();
  const counts = new Map<string, Record<string, string>>();

  async function insert(client: pg.PoolClient, table: string, rows: Map<string, Row>): Promise<Map<string, string>> {
    const ids = new Map<string, string>();
    for (const [name, row] of rows) {
      const cols = Object.keys(row);
      const { rows: r } = await client.query<{ id: string }>(
        `INSERT INTO raw.${table} (${cols.join(', ')}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING id`,
        cols.map((c) => row[c]),
      );
      ids.set(name, r[0]!.id);
    }
    return ids;
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    const client = await db.pool.connect();
    try {
      for (const table of ['games', 'moneylines', 'spreads', 'totals'] as const) {
        const ids = await insert(client, table, cases[table]);
        const { rows } = await client.query(`CALL staging.load_${table}(1, 1, 1000000)`);
        counts.set(table, rows[0]);
        for (const [name, id] of ids) {
          const staged = await client.query(`SELECT to_jsonb(s) AS s FROM staging.${table} s WHERE source_raw_id = $1`, [id]);
          const quarantined = await client.query(`SELECT reason_code, message, raw_row FROM pgphase.quarantine WHERE source_table = $1 AND source_id = $2`, [
            `raw.${table}`,
            id,
          ]);
          outcome.set(`${table}:${name}`, {
            ...(staged.rows[0] ? { staged: staged.rows[0].s } : {}),
            ...(quarantined.rows[0] ? { quarantined: quarantined.rows[0] } : {}),
          });
        }
      }
    } finally {
      client.release();
    }
  });
  afterAll(() => db.drop());

  const rejected = (key: string, reason: string) => {
    const o = outcome.get(key)!;
    expect(o.staged, `${key} must not be staged`).toBeUndefined();
    expect(o.quarantined?.reason_code).toBe(reason);
    expect(o.quarantined!.message.length).toBeGreaterThan(5);
    return o.quarantined!;
  };
  const staged = (key: string, values: Record<string, unknown>) => {
    const o = outcome.get(key)!;
    expect(o.quarantined, `${key} must not be quarantined (${o.quarantined?.reason_code}: ${o.quarantined?.message})`).toBeUndefined();
    const row = o.staged!;
    for (const [k, v] of Object.entries(values)) {
      if (k === 'captured_at' || k === 'game_start') expect(new Date(row[k] as string).toISOString(), `${key}.${k}`).toBe(v);
      else expect(row[k], `${key}.${k}`).toEqual(v);
    }
    return row;
  };

  it('returns the generic counts per call: rows_in = written + rejected, extras.duplicates part of rejected', () => {
    for (const table of ['games', 'moneylines', 'spreads', 'totals']) {
      const c = counts.get(table)!;
      expect(Number(c.rows_in)).toBe(cases[table as keyof typeof cases].size);
      expect(Number(c.written) + Number(c.rejected)).toBe(Number(c.rows_in));
    }
    expect(counts.get('games')).toMatchObject({ extras: { duplicates: 2 } });
    expect(counts.get('moneylines')).toMatchObject({ extras: { duplicates: 2 } });
  });

  describe('games', () => {
    it.each(gameRejects)('quarantines a game with %s', (name, _row, reason) => {
      rejected(`games:${name}`, reason);
    });
    it('stages the first valid row of an external id; later rows with that id are duplicate_game', () => {
      staged('games:valid G1', { external_game_id: 'G1', home_team: 'NYY', away_team: 'BOS', game_start: '2024-06-01T23:05:00.000Z' });
      const id = (outcome.get('games:valid G1')!.staged!.source_raw_id as number).toString();
      expect(rejected('games:exact copy of G1', 'duplicate_game').message).toContain(`id ${id}`);
      rejected('games:G1 again with another start', 'duplicate_game');
    });
    it('stages edge rows cleaned: padded teams collapsed, 64-character id, 730 days ahead, zones', () => {
      staged('games:padded teams and a 64-character id', { home_team: 'New York Yankees', away_team: 'Boston Red Sox' });
      staged('games:start exactly 730 days after ingestion', { game_start: '2026-05-01T00:00:00.000Z' });
      staged('games:zoneless start', { game_start: '2024-06-01T23:05:00.000Z' });
      staged('games:offset start', { game_start: '2024-06-01T23:05:00.000Z' });
    });
    it('scores a game from its form, schedule and lead time', () => {
      expect(outcome.get('games:valid G1')!.staged).toMatchObject({ data_quality_score: 100, validation_status: 'validated' });
      // ingested now (after a 2024 start): lead time 10 instead of 30; one repair (spaces): -10
      expect(outcome.get('games:padded teams and a 64-character id')!.staged).toMatchObject({ data_quality_score: 70, validation_status: 'warning' });
    });
  });

  describe('moneylines', () => {
    it.each(mlRejects)('quarantines a moneyline with %s', (name, _row, reason) => {
      const q = rejected(`moneylines:${name}`, reason);
      expect(q.raw_row).toMatchObject({ external_game_id: cases.moneylines.get(name)!.external_game_id });
    });
    it.each(mlEdges)('stages a moneyline at the edge: %s', (name, _row, values) => {
      staged(`moneylines:${name}`, values);
    });
    it('names the field and quotes the value in the message', () => {
      expect(rejected('moneylines:decimal odds', 'invalid_odds').message).toBe('home_odds "-110.5" is not a whole American price (-110, +130)');
      expect(rejected('moneylines:missing capture time', 'missing_field').message).toBe('captured_at is missing');
      expect(rejected('moneylines:control character in sportsbook', 'invalid_sportsbook').message).toContain('"Bet?365"');
    });
    it('stages one of exact duplicate snapshots (the lowest raw id) and quarantines the rest', () => {
      const original = staged('moneylines:original', { home_odds: -120, away_odds: 110, sportsbook: 'pinnacle' });
      expect(rejected('moneylines:exact duplicate', 'duplicate_snapshot').message).toBe(`duplicate of raw.moneylines id ${original.source_raw_id}`);
      rejected('moneylines:duplicate up to spelling', 'duplicate_snapshot');
      staged('moneylines:same time, other price', { home_odds: -125 });
    });
    it('scores from hold, freshness, book reliability and form, never from now()', () => {
      // -110/-110 (hold 0.048: 35) 30 min before the start (30) at pinnacle (25), tidy (10)
      expect(outcome.get('moneylines:score: sharp book, fresh, tidy')!.staged).toMatchObject({ data_quality_score: 100, validation_status: 'validated' });
      // -120/+110 (0.022: 35), live (20), draftkings (20), alias and no zone (10 - 2 x 2.5)
      expect(outcome.get('moneylines:score: alias, zoneless, live')!.staged).toMatchObject({ data_quality_score: 80, is_live: true });
      // 5 h 05 before the start: 35 + (30 - 5 log2(5.083) = 18.27) + 25 + 10
      expect(outcome.get('moneylines:original')!.staged).toMatchObject({ data_quality_score: 88.27 });
    });
  });

  describe('spreads', () => {
    it.each(spreadRejects)('quarantines a spread with %s', (name, _row, reason) => {
      rejected(`spreads:${name}`, reason);
    });
    it.each(spreadEdges)('stages a spread at the edge: %s', (name, _row, values) => {
      staged(`spreads:${name}`, values);
    });
  });

  describe('totals', () => {
    it.each(totalRejects)('quarantines a total with %s', (name, _row, reason) => {
      rejected(`totals:${name}`, reason);
    });
    it.each(totalEdges)('stages a total at the edge: %s', (name, _row, values) => {
      staged(`totals:${name}`, values);
    });
  });

  it('reads times the same whatever the session TimeZone and DateStyle', async () => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      await client.query(`SET TimeZone = 'Asia/Tokyo'`);
      await client.query(`SET DateStyle = 'SQL, DMY'`);
      const { rows } = await client.query(
        `INSERT INTO raw.moneylines (external_game_id, sportsbook, home_odds, away_odds, captured_at)
         VALUES ('G1', 'circa', '-120', '+110', '2024-06-01 21:10:00'), ('G1', 'circa', '-120', '+110', '2024-06-01T21:11:00-01:00'),
                ('G1', 'circa', 'x', '+110', '2024-06-01 21:12:00')
         RETURNING id`,
      );
      const [a, a2, b] = rows.map((r) => r.id as string);
      await client.query(`CALL staging.load_moneylines(1, $1, $2)`, [a, b]);
      await client.query(`SET TimeZone = 'UTC'`);
      await client.query(`SET DateStyle = 'ISO'`);
      const { rows: staged } = await client.query(
        `SELECT captured_at::text AS t FROM staging.moneylines WHERE source_raw_id IN ($1, $2) ORDER BY source_raw_id`,
        [a, a2],
      );
      expect(staged.map((r) => r.t)).toEqual(['2024-06-01 21:10:00+00', '2024-06-01 22:11:00+00']);
      // the quarantined row's jsonb does not take the session's zone either
      const { rows: q } = await client.query(
        `SELECT raw_row->>'ingested_at' AS t FROM pgphase.quarantine WHERE source_id = $1 AND source_table = 'raw.moneylines'`,
        [b],
      );
      expect(q[0].t).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    } finally {
      await client.end();
    }
  });
});
