/**
 * docs/rollback.md, tested: the plan's widening (migration 0002, numeric(3,2) -> numeric(5,2) on
 * the four staging tables) is a catalog-only change up, but its `down` rewrites every table and
 * refuses, with SQLSTATE 22003 and nothing changed, once a score no longer fits numeric(3,2).
 */
import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { down, migrate } from '../../runner/migrate/migrate.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

const TABLES = ['staging.games', 'staging.moneylines', 'staging.spreads', 'staging.totals'];

describe('rolling back the widening (0002)', () => {
  let db: TestDatabase;
  let dir: string;
  const config = () => db.config({ migrationsDir: dir, proceduresDir: join(process.cwd(), 'test', 'fixtures', 'no-procedures') });
  const types = async () =>
    (
      await db.query<{ t: string }>(
        `SELECT format_type(atttypid, atttypmod) AS t FROM pg_attribute WHERE attrelid = ANY ($1::regclass[]) AND attname = 'data_quality_score' ORDER BY attrelid::regclass::text`,
        [TABLES],
      )
    ).map((r) => r.t);
  const files = async () =>
    (await db.query<{ oid: string }>(`SELECT pg_relation_filenode(t::regclass)::text AS oid FROM unnest($1::text[]) t`, [TABLES])).map((r) => r.oid);
  const applied = async () => (await db.query<{ name: string }>(`SELECT name FROM pgphase.migrations ORDER BY run_on, id`)).map((r) => r.name);

  beforeAll(async () => {
    db = await createTestDatabase({ empty: true });
    dir = await mkdtemp(join(tmpdir(), 'pgphase-widening-'));
    for (const f of (await readdir(join(process.cwd(), 'migrations'))).filter((n) => /^000[1-4]_.*\.sql$/.test(n)))
      await cp(join(process.cwd(), 'migrations', f), join(dir, f));
  });
  afterAll(async () => {
    await db.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('up is catalog-only (no table is rewritten); down of 0002 refuses with 22003 when a score no longer fits, changing nothing', async () => {
    await migrate({ url: db.url, config: db.config({ migrationsDir: dir, proceduresDir: join(process.cwd(), 'test', 'fixtures', 'no-procedures') }) });
    const [g] = await db.query<{ id: string }>(
      `INSERT INTO staging.games (source_raw_id, external_game_id, home_team, away_team, game_start, data_quality_score)
       VALUES (1, 'g-1', 'NYY', 'BOS', now(), 5.00) RETURNING id::text`,
    );
    // The last table 0002's down narrows holds the score that no longer fits: the first three were
    // already narrowed when it fails, and must be back as they were.
    await db.query(
      `INSERT INTO staging.totals (source_raw_id, game_id, sportsbook, total_line, over_odds, under_odds, captured_at, data_quality_score)
       VALUES (2, $1, 'pinnacle', 8.5, -110, -110, now(), 87.50)`,
      [g!.id],
    );
    expect(await types()).toEqual(Array(4).fill('numeric(5,2)'));
    await down({ url: db.url, config: config(), count: 2 });
    expect((await applied()).at(-1)).toBe('0002_widen_quality_score');
    const before = await files();

    const error = await down({ url: db.url, config: config(), count: 1 }).then(
      () => undefined,
      (e: unknown) => e as Error & { sqlstate?: string },
    );
    expect(error?.sqlstate).toBe('22003');
    expect(error?.message).toMatch(/^migration 0002_widen_quality_score failed \(SQLSTATE 22003\)/);
    expect((await applied()).at(-1)).toBe('0002_widen_quality_score');
    expect(await types()).toEqual(Array(4).fill('numeric(5,2)'));
    expect(await files()).toEqual(before);
    expect(await db.query(`SELECT data_quality_score::text AS s FROM staging.totals`)).toEqual([{ s: '87.50' }]);

    // When every score fits, down succeeds, and it rewrote every table (new relation files).
    await db.query(`UPDATE staging.totals SET data_quality_score = 8.75`);
    await down({ url: db.url, config: config(), count: 1 });
    expect(await types()).toEqual(Array(4).fill('numeric(3,2)'));
    const narrowed = await files();
    expect(narrowed.every((f, i) => f !== before[i])).toBe(true);
    // And up again does not rewrite them: widening a numeric is a catalog change.
    await migrate({ url: db.url, config: config() });
    expect(await types()).toEqual(Array(4).fill('numeric(5,2)'));
    expect(await files()).toEqual(narrowed);
  });
});
