/**
 * staging.timestamp_text_valid, the one piece of version-specific SQL (pg_input_is_valid on
 * PostgreSQL 16+; on 15 a fast path for the common form, field checks for the rest): on the server
 * the suite runs on, it agrees with PostgreSQL's own cast (one cast per value under an EXCEPTION
 * block, the test's oracle) for the documented forms and their edge values, and for every edge of
 * the common form the 15 fast path settles alone; it never says "valid" for a text the cast
 * refuses (that would raise inside a set-based statement); and staging.parse_timestamp stays
 * set-based: inlined into the caller's query, staging.timestamp_text_valid with it, with no
 * EXCEPTION block (no subtransaction per value) on any version.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

const DATES = [
  '2024-04-01',
  '2024-02-29',
  '2023-02-29',
  '1900-02-29',
  '2000-02-29',
  '2024-04-31',
  '2024-13-01',
  '2024-00-10',
  '0000-01-01',
  '9999-12-31',
  '2024-12-00',
];
const TIMES = [
  '17:05',
  '17:05:00',
  '17:05:59.999999',
  '17:05:00.123456',
  '23:59:60.000',
  '23:59:59.9999996',
  '00:00',
  '23:59:60',
  '23:59:61',
  '24:00',
  '24:00:00',
  '24:00:00.0',
  '24:00:01',
  '24:01',
  '25:00',
  '17:60',
  '12:05:00',
  '00:05',
];
const SUFFIXES = [
  '',
  'Z',
  'z',
  ' Z',
  '+00',
  '+05:30',
  '-0500',
  '+15',
  '+15:59',
  '+16',
  '-05:60',
  ' +05',
  ' UTC',
  ' utc',
  ' GMT',
  ' America/New_York',
  ' america/new_york',
  ' Etc/GMT+12',
  ' ADT',
  ' AMST',
  ' CHADT',
  ' PMDT',
  ' AM',
  ' PM',
  ' am',
  ' AD',
  ' BC',
  ' XYZ',
  'Zjunk',
  ' allballs',
  ' posixrules',
  ' localtime',
];
/**
 * Forms PostgreSQL's parser reads that the PostgreSQL 15 checks refuse on purpose (documented in
 * procedures/staging_timestamp_fields_valid.pg15.sql): a day name, HH:MM.fraction (which PostgreSQL
 * reads as minutes and seconds), AM/PM followed by a zone, a one-digit offset, 4714 BC, a leap
 * second with a fraction, an offset with seconds.
 */
/**
 * The common form (YYYY-MM-DD, T or space, HH:MM:SS, then Z, +00, +00:00 or nothing) that the 15 fast
 * path decides alone, at each field's edges, with its near misses: other zones, a letter, a
 * full-width digit or a space in place of a digit, spaces around it.
 */
const COMMON_DATES = [
  '0000-01-01',
  '0001-01-01',
  '1999-12-31',
  '2024-01-31',
  '2024-02-28',
  '2024-02-29',
  '2023-02-29',
  '2100-02-29',
  '2024-04-30',
  '2024-04-31',
  '2024-06-31',
  '2024-07-31',
  '2024-11-31',
  '2024-12-31',
  '2024-13-01',
  '2024-00-01',
  '2024-01-00',
  '2024-01-32',
  '9999-12-31',
];
const COMMON_TIMES = [
  '00:00:00',
  '09:09:09',
  '10:10:10',
  '19:59:59',
  '20:00:00',
  '23:59:59',
  '23:59:60',
  '23:60:00',
  '24:00:00',
  '24:00:01',
  '25:00:00',
  '23:59:61',
  '2O:00:00',
  '20:0０:00',
  '20:00: 0',
];
const COMMON_TAILS = ['', 'Z', '+00', '+00:00', 'z', '+01', '+0000', '-00', 'Z ', '+00:00Z', 'ZZ'];
const COMMON = COMMON_DATES.flatMap((d) => COMMON_TIMES.flatMap((t) => COMMON_TAILS.flatMap((z) => [`${d}T${t}${z}`, `${d} ${t}${z}`])));
COMMON.push('2024-04-01T17:05:00Z'.replace('2', '２'), ' 2024-04-01T17:05:00Z', '2024-04-01T17-05-00Z', '2024-04-01T17:05:00+', '');

const RARE = [
  '2024-04-01 17:05 monday',
  '2024-04-01T17:05.5Z',
  '2024-04-01 05:05 PM UTC',
  '2024-04-01 17:05:00+5',
  '4714-12-01 00:00 BC',
  '2024-04-01 23:59:60.0000001',
  '2024-04-01 17:05:00+05:30:00',
];

describe('staging.timestamp_text_valid on this server', () => {
  let db: TestDatabase;
  const candidates: string[] = [];
  beforeAll(async () => {
    db = await createTestDatabase();
    for (const d of DATES)
      for (const t of TIMES) for (const s of SUFFIXES) candidates.push(`${d}${d === '2024-04-01' ? 'T' : ' '}${t}${s}`, ` ${d} ${t}${s}  `);
    await db.query(`CREATE FUNCTION public.oracle_valid(v text) RETURNS boolean LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM v::timestamptz;
        RETURN true;
      EXCEPTION WHEN others THEN
        RETURN false;
      END $$`);
  });
  afterAll(() => db.drop());

  it(`agrees with PostgreSQL's cast on ${DATES.length * TIMES.length * SUFFIXES.length * 2} documented forms and edge values`, async () => {
    const disagree = await db.query<{ v: string; mine: boolean; cast: boolean }>(
      `SELECT v, staging.timestamp_text_valid(v) AS mine, public.oracle_valid(v) AS cast FROM unnest($1::text[]) v
        WHERE staging.timestamp_text_valid(v) IS DISTINCT FROM public.oracle_valid(v)`,
      [candidates],
    );
    expect(disagree.slice(0, 20)).toEqual([]);
  });

  it(`agrees with PostgreSQL's cast on ${COMMON.length} texts of the common form and its near misses`, async () => {
    const disagree = await db.query<{ v: string; mine: boolean; cast: boolean }>(
      `SELECT v, staging.timestamp_text_valid(v) AS mine, public.oracle_valid(v) AS cast FROM unnest($1::text[]) v
        WHERE staging.timestamp_text_valid(v) IS DISTINCT FROM public.oracle_valid(v)`,
      [COMMON],
    );
    expect(disagree.slice(0, 20)).toEqual([]);
    // The grid is not all refusals: the cast reads a good part of it.
    const valid = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM unnest($1::text[]) v WHERE public.oracle_valid(v)`, [COMMON]);
    expect(valid[0]!.n).toBeGreaterThan(COMMON.length / 10);
  });

  it('says "valid" only for texts the cast reads, rare forms and every zone name included', async () => {
    const zones = (await db.query<{ z: string }>(`SELECT unnest(staging.known_time_zones()) AS z`)).map((r) => r.z);
    const texts = [...RARE, ...zones.flatMap((z) => [`2024-04-01 17:05:00 ${z}`, `2024-04-01 05:05 ${z}`])];
    const unsafe = await db.query(`SELECT v FROM unnest($1::text[]) v WHERE staging.timestamp_text_valid(v) AND NOT public.oracle_valid(v)`, [texts]);
    expect(unsafe).toEqual([]);
    const rare = await db.query<{ valid: boolean }>(`SELECT staging.timestamp_text_valid(v) AS valid FROM unnest($1::text[]) v`, [RARE]);
    // PostgreSQL 16+ asks the server's parser itself; the 15 checks refuse these on purpose.
    expect(rare.map((r) => r.valid)).toEqual(RARE.map(() => inject('pgMajor') >= 16));
  });

  it('staging.parse_timestamp is set-based: inlined into the query with the check, no EXCEPTION block anywhere', async () => {
    const plan = await db.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN (VERBOSE, COSTS OFF) SELECT staging.parse_timestamp(v) FROM (VALUES ('2024-04-01T17:05:00Z'), ('x')) AS t (v)`,
    );
    const text = plan.map((r) => r['QUERY PLAN']).join('\n');
    expect(text).not.toMatch(/parse_timestamp|timestamp_text_valid|timestamp_common_pieces/);
    const fns = await db.query<{ name: string; lang: string; exception: boolean }>(
      `SELECT p.proname AS name, l.lanname AS lang, p.prosrc ~* '\\mexception\\M' AS exception
         FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
        WHERE p.pronamespace = 'staging'::regnamespace AND p.proname IN ('parse_timestamp', 'timestamp_text_valid', 'timestamp_fields_valid', 'timestamp_common_pieces')
        ORDER BY 1`,
    );
    // 16+: one inlined SQL expression; 15: an inlined fast path over constant lists, and PL/pgSQL
    // field checks without an EXCEPTION block for the rest.
    const pg15 = [
      { name: 'timestamp_common_pieces', lang: 'sql', exception: false },
      { name: 'timestamp_fields_valid', lang: 'plpgsql', exception: false },
    ];
    expect(fns).toEqual([
      { name: 'parse_timestamp', lang: 'sql', exception: false },
      ...(inject('pgMajor') >= 16 ? [] : pg15),
      { name: 'timestamp_text_valid', lang: 'sql', exception: false },
    ]);
  });
});
