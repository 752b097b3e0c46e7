/**
 * `pgphase generate` / pipeline.generate_sample: deterministic for a seed whatever the session,
 * the share of bad rows is the one asked for, every bad row is rejected with exactly the reason
 * its defect calls for and every clean row is staged, and the planted steam moves are in the
 * staged data where raw.generator_steam_truth says they are.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../../runner/odds/generate.js';
import { runCli } from '../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

const TABLES = ['games', 'moneylines', 'spreads', 'totals'] as const;
const REASONS = [
  'missing_field',
  'invalid_game_id',
  'invalid_team',
  'same_teams',
  'invalid_timestamp',
  'timestamp_out_of_range',
  'duplicate_game',
  'invalid_odds',
  'odds_out_of_range',
  'overround_negative',
  'overround_too_high',
  'unknown_game',
  'invalid_sportsbook',
  'duplicate_snapshot',
  'invalid_line',
  'line_not_half_step',
  'line_out_of_range',
  'line_mismatch',
];

async function fingerprint(db: TestDatabase): Promise<string> {
  const [r] = await db.query<{ h: string }>(
    `SELECT md5((SELECT string_agg(x::text, ',' ORDER BY x.id) FROM raw.games x)
             || (SELECT string_agg(x::text, ',' ORDER BY x.id) FROM raw.moneylines x)
             || (SELECT string_agg(x::text, ',' ORDER BY x.id) FROM raw.spreads x)
             || (SELECT string_agg(x::text, ',' ORDER BY x.id) FROM raw.totals x)
             || coalesce((SELECT string_agg(x::text, ',' ORDER BY x.id) FROM raw.generator_steam_truth x), '')) AS h`,
  );
  return r!.h;
}

async function stageAll(db: TestDatabase): Promise<void> {
  await db.query(`TRUNCATE staging.games, pgphase.quarantine RESTART IDENTITY CASCADE`);
  for (const t of TABLES) await db.query(`CALL staging.load_${t}(1, 1, 1000000000)`);
}

/** Planted defect (NULL: clean) next to the staging outcome, for every generated row. */
async function mismatches(db: TestDatabase, rows: number, seed: number, ratio: number): Promise<unknown[]> {
  return db.query(
    `WITH plan AS (SELECT * FROM pipeline.sample_plan($1, $2, $3)),
     planted AS (
       SELECT 'raw.games' AS t, g.i + 1 AS id, g.defect FROM plan p, pipeline.sample_games($2, p.row_count, $3) g WHERE p.market = 0
       UNION ALL
       SELECT 'raw.' || p.source, s.j + 1, s.defect FROM plan p,
              pipeline.sample_snapshots($2, p.market, p.row_count, p.games, p.rounds_pre, p.rounds_live, $3) s WHERE p.market > 0)
     SELECT p.t, p.id, p.defect, q.reason_code FROM planted p
       LEFT JOIN pgphase.quarantine q ON q.source_table = p.t AND q.source_id = p.id
      WHERE p.defect IS DISTINCT FROM q.reason_code
      LIMIT 10`,
    [rows, seed, ratio],
  );
}

describe('generate', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  it('gives the same rows, ids included, for the same seed, whatever the session settings; another seed differs', async () => {
    const first = await generate(db.url, { rows: 6000, seed: 5, badRatio: 0.08, truncate: true });
    expect(Object.values(first.rows).reduce((a, b) => a + b, 0)).toBe(6000);
    const a = await fingerprint(db);
    const url = new URL(db.url);
    url.searchParams.set('options', '-c TimeZone=Asia/Kolkata -c DateStyle=SQL,DMY -c extra_float_digits=0');
    await generate(url.toString(), { rows: 6000, seed: 5, badRatio: 0.08, truncate: true });
    expect(await fingerprint(db)).toBe(a);
    await generate(db.url, { rows: 6000, seed: 6, badRatio: 0.08, truncate: true });
    expect(await fingerprint(db)).not.toBe(a);
  });

  it('appends without truncate: ids continue, and an identical second batch is all duplicates', async () => {
    await generate(db.url, { rows: 2000, seed: 8, badRatio: 0, truncate: true });
    const again = await generate(db.url, { rows: 2000, seed: 8, badRatio: 0 });
    expect(again.rows).toEqual({ games: expect.any(Number), moneylines: expect.any(Number), spreads: expect.any(Number), totals: expect.any(Number) });
    await stageAll(db);
    const [c] = await db.query<{ staged: number; dup: number }>(
      `SELECT (SELECT count(*) FROM staging.moneylines)::int AS staged,
              (SELECT count(*) FROM pgphase.quarantine WHERE source_table = 'raw.moneylines' AND reason_code = 'duplicate_snapshot')::int AS dup`,
    );
    expect(c!.staged).toBe(again.rows.moneylines);
    expect(c!.dup).toBe(again.rows.moneylines);
  });

  for (const ratio of [0, 0.08, 0.25]) {
    it(`rejects a share ${ratio} of the rows when asked for ${ratio}: each planted defect with its reason, every clean row staged`, async () => {
      const rows = 20_000;
      await generate(db.url, { rows, seed: 21, badRatio: ratio, truncate: true });
      await stageAll(db);
      const [q] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM pgphase.quarantine`);
      if (ratio === 0) expect(q!.n).toBe(0);
      else expect(Math.abs(q!.n / rows - ratio)).toBeLessThan(0.012);
      expect(await mismatches(db, rows, 21, ratio)).toEqual([]);
      for (const t of TABLES) {
        const [r] = await db.query<{ ok: boolean }>(
          `SELECT (SELECT count(*) FROM raw.${t}) = (SELECT count(*) FROM staging.${t}) + (SELECT count(*) FROM pgphase.quarantine WHERE source_table = 'raw.${t}') AS ok`,
        );
        expect(r!.ok).toBe(true);
      }
    });
  }

  it('plants every kind of defect staging rejects', async () => {
    await generate(db.url, { rows: 20_000, seed: 3, badRatio: 0.4, truncate: true });
    await stageAll(db);
    const got = await db.query<{ reason_code: string }>(`SELECT DISTINCT reason_code FROM pgphase.quarantine ORDER BY 1`);
    expect(got.map((r) => r.reason_code)).toEqual([...REASONS].sort());
  });

  it('has a realistic shape: a schedule with doubleheaders, 12 books in both tiers, pre-game and live snapshots', async () => {
    await generate(db.url, { rows: 60_000, seed: 4, badRatio: 0.08, truncate: true });
    await stageAll(db);
    const [shape] = await db.query<Record<string, number>>(
      `SELECT (SELECT count(DISTINCT sportsbook) FROM staging.moneylines)::int AS books,
              (SELECT count(DISTINCT b.tier) FROM staging.moneylines m JOIN staging.sportsbooks b ON b.name = m.sportsbook)::int AS tiers,
              (SELECT count(*) FROM (SELECT 1 FROM staging.games GROUP BY home_team, away_team, (game_start - interval '8 hours')::date HAVING count(*) = 2) d)::int AS doubleheaders,
              (SELECT count(*) FILTER (WHERE is_live) * 100 / count(*) FROM staging.totals)::int AS live_pct,
              (SELECT avg(n) FROM (SELECT count(*) AS n FROM staging.spreads GROUP BY game_id, sportsbook) x)::float AS snapshots,
              (SELECT count(*) FROM staging.games WHERE extract(hour FROM game_start AT TIME ZONE 'UTC') BETWEEN 5 AND 15)::int AS morning_games`,
    );
    expect(shape).toMatchObject({ books: 12, tiers: 2, morning_games: 0 });
    expect(shape!.doubleheaders).toBeGreaterThan(0);
    expect(shape!.live_pct).toBeGreaterThanOrEqual(5);
    expect(shape!.live_pct).toBeLessThanOrEqual(30);
    expect(shape!.snapshots).toBeGreaterThanOrEqual(7);
  });

  it('records planted steam moves that the staged moneylines show: >= 3 books jump the same side within 30 minutes', async () => {
    // (the data of the previous test)
    const truth = await db.query<{ external_game_id: string; side: string; books: string[]; minutes: number }>(
      `SELECT external_game_id, side, books, extract(epoch FROM window_end - planted_at)::float / 60 AS minutes
         FROM raw.generator_steam_truth WHERE market = 'moneyline'`,
    );
    expect(truth.length).toBeGreaterThan(3);
    expect(await db.query(`SELECT DISTINCT market FROM raw.generator_steam_truth ORDER BY 1`)).toEqual([
      { market: 'moneyline' },
      { market: 'spread' },
      { market: 'total' },
    ]);
    const moves = await db.query<{ external_game_id: string; sportsbook: string; move: number | null; in_truth: boolean }>(
      `WITH t AS (SELECT * FROM raw.generator_steam_truth WHERE market = 'moneyline'),
       snap AS (
         SELECT g.external_game_id, m.sportsbook, m.captured_at,
                staging.implied_probability(m.home_odds) / (staging.implied_probability(m.home_odds) + staging.implied_probability(m.away_odds)) AS fair
           FROM staging.moneylines m JOIN staging.games g ON g.id = m.game_id JOIN t ON t.external_game_id = g.external_game_id)
       SELECT t.external_game_id, b.sportsbook, b.sportsbook = ANY (t.books) AS in_truth,
              -- a round's captures lie within 2 minutes of its time, rounds are >= 3 minutes apart
              (SELECT fair FROM snap s WHERE s.external_game_id = t.external_game_id AND s.sportsbook = b.sportsbook
                  AND s.captured_at >= t.planted_at - interval '2 minutes' AND s.captured_at <= t.window_end + interval '2 minutes'
                ORDER BY captured_at LIMIT 1)
            - (SELECT fair FROM snap s WHERE s.external_game_id = t.external_game_id AND s.sportsbook = b.sportsbook
                  AND s.captured_at < t.planted_at - interval '2 minutes' ORDER BY captured_at DESC LIMIT 1)
              AS move,
              t.side
         FROM t CROSS JOIN (SELECT name AS sportsbook FROM staging.sportsbooks) b`,
    );
    for (const t of truth) {
      expect(t.books.length).toBeGreaterThanOrEqual(3);
      expect(t.minutes).toBeLessThanOrEqual(30);
      // the moving books' rows around the move are never made bad: all of them show it
      expect(moves.filter((x) => x.external_game_id === t.external_game_id && x.in_truth && x.move !== null)).toHaveLength(t.books.length);
      // (a book whose snapshot of that round is a bad row has no move to compare)
      for (const m of moves.filter((x) => x.external_game_id === t.external_game_id && x.move !== null)) {
        const toward = (t.side === 'home' ? 1 : -1) * m.move!;
        if (m.in_truth) expect(toward, `${t.external_game_id} ${m.sportsbook}`).toBeGreaterThan(0.03);
        else expect(Math.abs(m.move!), `${t.external_game_id} ${m.sportsbook}`).toBeLessThan(0.02);
      }
    }
  });

  it('the CLI prints the counts as JSON and exits 0; bad options exit 2', async () => {
    const ok = await runCli(['generate', '--rows', '500', '--seed', '2', '--truncate', '--json'], { DATABASE_URL: db.url });
    expect(ok.code).toBe(0);
    const result = JSON.parse(ok.stdout) as { rows: Record<string, number>; seconds: number };
    expect(Object.values(result.rows).reduce((a, b) => a + b, 0)).toBe(500);
    const bad = await runCli(['generate', '--rows', '10', '--bad-ratio', '1.5'], { DATABASE_URL: db.url });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--bad-ratio must be a share from 0 to 1');
  });
});
