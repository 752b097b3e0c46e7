/**
 * Isolation in the staging phase: hostile text is quarantined or cleaned and touches nothing
 * else; a row that passes validation but breaks a constraint is quarantined with its SQLSTATE
 * by the per-record fallback while the rest of its range is staged; the setting
 * pgphase.force_per_record takes that path on purpose and gives the same result; transient
 * errors are raised for the runner to retry, never absorbed into the quarantine.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

const START = '2024-06-01T23:05:00Z';

async function seedGame(db: TestDatabase): Promise<void> {
  await db.query(`INSERT INTO raw.games (external_game_id, home_team, away_team, game_start) VALUES ('G1', 'NYY', 'BOS', $1)`, [START]);
  await db.query(`CALL staging.load_games(1, 1, 1000)`);
}

/** Inserts totals rows (one per line value, one minute apart) and returns their id range. */
async function insertTotals(db: TestDatabase, lines: string[], book = 'Pinnacle'): Promise<[string, string]> {
  const rows = await db.query<{ id: string }>(
    `INSERT INTO raw.totals (external_game_id, sportsbook, total_line, over_odds, under_odds, captured_at)
     SELECT 'G1', $2, l, '-110', '-110', to_char(timestamptz '2024-06-01 12:00+00' + o * interval '1 minute', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
       FROM unnest($1::text[]) WITH ORDINALITY AS u (l, o)
     RETURNING id`,
    [lines, book],
  );
  return [rows[0]!.id, rows.at(-1)!.id];
}

/** Every user table's row count and content hash, to prove that nothing else changed. */
async function fingerprint(db: TestDatabase, except: string[]): Promise<Record<string, string>> {
  const tables = await db.query<{ t: string }>(
    `SELECT format('%I.%I', schemaname, relname) AS t FROM pg_stat_user_tables
      WHERE schemaname IN ('raw', 'staging', 'curated', 'pipeline', 'public', 'pgphase') ORDER BY 1`,
  );
  const out: Record<string, string> = {};
  for (const { t } of tables) {
    if (except.includes(t)) continue;
    const [r] = await db.query<{ h: string }>(`SELECT count(*) || ':' || coalesce(md5(string_agg(x::text, ',' ORDER BY x::text)), '') AS h FROM ${t} x`);
    out[t] = r!.h;
  }
  return out;
}

describe('hostile text', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
    await seedGame(db);
  });
  afterAll(() => db.drop());

  it('is quarantined or cleaned, kept byte for byte in raw_row, and nothing else in the database changes', async () => {
    const long = 'x'.repeat(20_000);
    const hostile = [
      "'; DROP TABLE staging.games; --",
      '1); DELETE FROM raw.games; --',
      '$$; SELECT pg_sleep(10); $$',
      "Pinnacle' OR '1'='1",
      "Robert'); TRUNCATE pgphase.quarantine CASCADE;--",
      '%I %L %s',
      '\u0001\u0002\u001b[31m\u007f',
      'line\nbreak\ttab\r',
      long,
      `${long}9`,
      '\uFF11\uFF12\uFF10',
      '\u0661\u0665\u0660',
      '\u202Epinnacle',
      '🎰🎰🎰',
      '  ',
    ];
    const before = await fingerprint(db, ['staging.moneylines', 'pgphase.quarantine', 'raw.moneylines']);
    const firstIds: string[] = [];
    for (const [i, text] of hostile.entries()) {
      // each hostile value in each column in turn, the other columns valid
      const base = ['G1', 'Pinnacle', '-120', '+110', `2024-06-01T1${i % 10}:0${i % 6}:00Z`];
      for (let col = 0; col < 5; col++) {
        const values = [...base];
        values[col] = text;
        const [row] = await db.query<{ id: string }>(
          `INSERT INTO raw.moneylines (external_game_id, sportsbook, home_odds, away_odds, captured_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
          values,
        );
        firstIds.push(row!.id);
      }
    }
    const [counts] = await db.query<Record<string, string>>(`CALL staging.load_moneylines(7, 1, 1000000)`);
    expect(Number(counts!.rows_in)).toBe(hostile.length * 5);
    expect(Number(counts!.written) + Number(counts!.rejected)).toBe(hostile.length * 5);

    const quarantined = await db.query<{ source_id: string; reason_code: string; message: string; raw_row: Record<string, string> }>(
      `SELECT source_id, reason_code, message, raw_row FROM pgphase.quarantine WHERE source_table = 'raw.moneylines'`,
    );
    const staged = await db.query<{ source_raw_id: string; sportsbook: string; home_odds: number; away_odds: number }>(
      `SELECT source_raw_id, sportsbook, home_odds, away_odds FROM staging.moneylines`,
    );
    expect(quarantined.length + staged.length).toBe(hostile.length * 5);
    for (const q of quarantined) {
      expect(['missing_field', 'invalid_sportsbook', 'invalid_odds', 'odds_out_of_range', 'invalid_timestamp', 'unknown_game']).toContain(q.reason_code);
      expect(q.message.length).toBeLessThan(300);
      expect(q.message).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    }
    // only clean values reach staging: known book names, real prices
    for (const s of staged) {
      expect(s.sportsbook).toBe('pinnacle');
      expect([s.home_odds, s.away_odds]).toEqual([-120, 110]);
    }
    const longRow = quarantined.find((q) => q.raw_row.sportsbook === long);
    expect(longRow?.reason_code).toBe('invalid_sportsbook');
    expect(quarantined.find((q) => q.raw_row.home_odds === `${long}9`)?.reason_code).toBe('invalid_odds');
    expect(quarantined.find((q) => q.raw_row.away_odds === '\u0661\u0665\u0660')?.reason_code).toBe('invalid_odds');
    expect(await fingerprint(db, ['staging.moneylines', 'pgphase.quarantine', 'raw.moneylines'])).toEqual(before);
  });
});

describe('per-record fallback', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
    await seedGame(db);
    // a rule the validation knows nothing about
    await db.query(`ALTER TABLE staging.totals ADD CONSTRAINT test_no_thirteen CHECK (total_line <> 13.5)`);
  });
  afterAll(() => db.drop());

  it('stages every other row of the range and quarantines the one that breaks a constraint, with its SQLSTATE', async () => {
    const [lo, hi] = await insertTotals(db, ['8.5', '9', '13.5', '7.5', 'abc']);
    const [counts] = await db.query(`CALL staging.load_totals(3, $1, $2)`, [lo, hi]);
    expect(counts).toEqual({ rows_in: '5', written: '3', rejected: '2', extras: { duplicates: 0 } });
    const staged = await db.query<{ total_line: string }>(`SELECT total_line::text FROM staging.totals ORDER BY source_raw_id`);
    expect(staged.map((r) => r.total_line)).toEqual(['8.5', '9.0', '7.5']);
    const quarantined = await db.query(
      `SELECT reason_code, sqlstate, message, run_id::int, raw_row->>'total_line' AS line FROM pgphase.quarantine ORDER BY source_id`,
    );
    expect(quarantined).toEqual([
      { reason_code: 'db_error', sqlstate: '23514', message: expect.stringContaining('test_no_thirteen'), run_id: 3, line: '13.5' },
      { reason_code: 'invalid_line', sqlstate: null, message: 'total_line "abc" is not a number', run_id: 3, line: 'abc' },
    ]);
  });

  it('isolates an error raised by a trigger the same way, and a later run stages the row once the cause is gone', async () => {
    await db.query(`CREATE FUNCTION public.test_refuse_barstool() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.sportsbook = 'barstool' THEN RAISE EXCEPTION 'no barstool' USING ERRCODE = '22003'; END IF; RETURN NEW; END $$`);
    await db.query(`CREATE TRIGGER test_refuse_barstool BEFORE INSERT OR UPDATE ON staging.totals FOR EACH ROW EXECUTE FUNCTION public.test_refuse_barstool()`);
    const [lo] = await insertTotals(db, ['10.5'], 'Barstool');
    const [, hi] = await insertTotals(db, ['11.5'], 'Circa');
    expect((await db.query(`CALL staging.load_totals(4, $1, $2)`, [lo, hi]))[0]).toMatchObject({ written: '1', rejected: '1' });
    expect(await db.query(`SELECT reason_code, sqlstate, message FROM pgphase.quarantine WHERE source_id = $1`, [lo])).toEqual([
      { reason_code: 'db_error', sqlstate: '22003', message: 'no barstool' },
    ]);
    await db.query(`DROP TRIGGER test_refuse_barstool ON staging.totals`);
    expect((await db.query(`CALL staging.load_totals(5, $1, $2)`, [lo, hi]))[0]).toMatchObject({ written: '2', rejected: '0' });
    expect(await db.query(`SELECT 1 FROM pgphase.quarantine WHERE source_id = $1`, [lo])).toEqual([]);
  });
});

describe('pgphase.force_per_record', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
    await seedGame(db);
    // count the INSERT statements that reach staging.totals
    await db.query(`CREATE TABLE public.test_statements (n integer NOT NULL)`);
    await db.query(`CREATE FUNCTION public.test_count() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN INSERT INTO public.test_statements VALUES (1); RETURN NULL; END $$`);
    await db.query(`CREATE TRIGGER test_count AFTER INSERT ON staging.totals FOR EACH STATEMENT EXECUTE FUNCTION public.test_count()`);
  });
  afterAll(() => db.drop());

  const snapshot = () =>
    db.query(
      `SELECT 's' AS k, source_raw_id AS id, sportsbook || total_line || over_odds || under_odds || captured_at || is_live || data_quality_score || validation_status AS v FROM staging.totals
       UNION ALL SELECT 'q', source_id, reason_code || coalesce(sqlstate, '') || message || raw_row::text FROM pgphase.quarantine ORDER BY 1, 2`,
    );

  it('takes the per-record path when set (one INSERT per record) and stages exactly what the set-based path stages', async () => {
    const [lo, hi] = await insertTotals(db, ['8.5', '9', 'x', '8.25', '8.5', '30', ' 10.5 ', '6']);
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const setBased = (await client.query(`CALL staging.load_totals(1, $1, $2)`, [lo, hi])).rows[0];
      expect(await db.query(`SELECT count(*)::int AS n FROM public.test_statements`)).toEqual([{ n: 1 }]);
      const expected = await snapshot();
      await db.query(`DELETE FROM staging.totals; DELETE FROM pgphase.quarantine; DELETE FROM public.test_statements`);

      await client.query(`SET pgphase.force_per_record = 'on'`);
      const perRecord = (await client.query(`CALL staging.load_totals(1, $1, $2)`, [lo, hi])).rows[0];
      expect(perRecord).toEqual(setBased);
      expect(perRecord).toEqual({ rows_in: '8', written: '5', rejected: '3', extras: { duplicates: 0 } });
      // one INSERT statement per record (a statement trigger fires even when it inserts nothing)
      expect(await db.query(`SELECT count(*)::int AS n FROM public.test_statements`)).toEqual([{ n: 8 }]);
      expect(await snapshot()).toEqual(expected);
    } finally {
      await client.end();
    }
  });
});

describe('transient errors', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
    await seedGame(db);
  });
  afterAll(() => db.drop());

  for (const mode of ['set-based', 'per-record'] as const) {
    it(`are raised with their SQLSTATE, not quarantined (${mode})`, async () => {
      const [lo, hi] = await insertTotals(db, ['8.5', 'bad']);
      const holder = new pg.Client({ connectionString: db.url });
      const caller = new pg.Client({ connectionString: db.url });
      await holder.connect();
      await caller.connect();
      try {
        await holder.query('BEGIN');
        await holder.query('LOCK TABLE pgphase.quarantine IN ACCESS EXCLUSIVE MODE');
        await caller.query(`SET lock_timeout = '200ms'`);
        if (mode === 'per-record') await caller.query(`SET pgphase.force_per_record = on`);
        await caller.query('BEGIN');
        const error = await caller.query(`CALL staging.load_totals(1, $1, $2)`, [lo, hi]).catch((e: unknown) => e);
        expect(error).toMatchObject({ code: '55P03' });
        await caller.query('ROLLBACK');
        await holder.query('ROLLBACK');
        expect(await db.query(`SELECT count(*)::int AS n FROM pgphase.quarantine`)).toEqual([{ n: 0 }]);
        expect(await db.query(`SELECT count(*)::int AS n FROM staging.totals`)).toEqual([{ n: 0 }]);
      } finally {
        await holder.end();
        await caller.end();
        await db.query(`DELETE FROM raw.totals`);
      }
    });
  }

  it('refuses an incomplete step or an empty range with SQLSTATE 22023, and a hostile table name as a name', async () => {
    await expect(db.query(`CALL staging.load_totals(1, 10, 1)`)).rejects.toMatchObject({ code: '22023' });
    await expect(db.query(`CALL pgphase.isolate('{"source": "raw.games"}', 1, 1, 10)`)).rejects.toMatchObject({ code: '22023' });
    const hostile = { source: 'raw.games; DROP TABLE raw.games', classify: 'staging.classify_games', target: 'staging.games' };
    await expect(db.query(`CALL pgphase.isolate($1, 1, 1, 10)`, [hostile])).rejects.toMatchObject({ code: '42602' });
    expect(await db.query(`SELECT to_regclass('raw.games') IS NOT NULL AS ok`)).toEqual([{ ok: true }]);
    await expect(db.query(`CALL staging.load_totals(1, NULL, 10)`)).rejects.toMatchObject({ code: '22023' });
  });
});
