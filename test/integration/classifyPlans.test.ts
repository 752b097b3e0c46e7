/**
 * The staging classifications stay one set-based query: every SQL function they call is inlined
 * into it. A SQL-language function the planner does not inline runs an executor of its own per
 * call (about 20 us, against about 1 us inlined or as a PL/pgSQL simple expression); per row of a
 * 1M-row phase that is seconds. It happened unnoticed: staging.reject_message, called with a CASE
 * over the field as its value, was not inlined into the spreads and totals classifications and
 * cost them about a fifth of their time on the rejected rows. What may be left in a plan is a
 * built-in or a PL/pgSQL function (evaluated as a cached expression), never a SQL one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

const TABLES = ['games', 'moneylines', 'spreads', 'totals'] as const;

describe('staging classifications: every SQL function inlined', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it.each(TABLES)('staging.classify_%s calls no SQL-language function per row', async (table) => {
    const plan = await db.query<{ 'QUERY PLAN': string }>(`EXPLAIN (VERBOSE, COSTS OFF) SELECT * FROM staging.classify_${table}(1, 1000)`);
    const text = plan.map((r) => r['QUERY PLAN']).join('\n');
    // Every schema-qualified call left in the plan (built-ins are printed without a schema).
    const called = [...new Set([...text.matchAll(/\b(\w+)\.(\w+)\(/g)].map((m) => `${m[1]}.${m[2]}`))];
    const languages = await db.query<{ name: string; lang: string }>(
      `SELECT n.nspname || '.' || p.proname AS name, l.lanname AS lang
         FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace JOIN pg_language l ON l.oid = p.prolang
        WHERE n.nspname || '.' || p.proname = ANY ($1::text[]) ORDER BY 1`,
      [called],
    );
    expect(languages.filter((f) => f.lang === 'sql')).toEqual([]);
  });
});
