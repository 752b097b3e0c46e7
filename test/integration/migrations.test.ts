/**
 * The versioned migrations and the safety pgphase adds around node-pg-migrate, against a real
 * PostgreSQL: round trips, the plan's numeric(3,2) overflow and its fix, concurrent indexes and
 * their repair, two migrators at once, lock timeouts, and checksums.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LockTimeoutError, MigrationError } from '../../runner/errors.js';
import { down, migrate } from '../../runner/migrate/migrate.js';
import { status } from '../../runner/migrate/status.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

const MIGRATIONS = join(process.cwd(), 'migrations');
const NO_PROCEDURES = join(process.cwd(), 'test', 'fixtures', 'no-procedures');
const STAGING = ['games', 'moneylines', 'spreads', 'totals'];

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'pgphase-test-'));
}

/** A copy of the first `count` migrations, to stop the history part-way. */
async function migrationsUpTo(count: number): Promise<string> {
  const dir = await tempDir();
  const { readdir } = await import('node:fs/promises');
  const files = (await readdir(MIGRATIONS))
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .slice(0, count);
  for (const f of files) await cp(join(MIGRATIONS, f), join(dir, f));
  return dir;
}

async function scoreTypes(db: TestDatabase): Promise<string[]> {
  const rows = await db.query<{ t: string }>(
    `SELECT format_type(atttypid, atttypmod) AS t FROM pg_attribute
      WHERE attrelid = ANY (ARRAY['staging.games','staging.moneylines','staging.spreads','staging.totals']::regclass[])
        AND attname = 'data_quality_score' ORDER BY attrelid::regclass::text`,
  );
  return rows.map((r) => r.t);
}

async function insertGameWithScore(db: TestDatabase, score: string, suffix: string): Promise<void> {
  await db.query(
    `INSERT INTO staging.games (source_raw_id, external_game_id, home_team, away_team, game_start, data_quality_score)
     VALUES ((SELECT coalesce(max(source_raw_id), 0) + 1 FROM staging.games), $1, 'NYY', 'BOS', now(), $2::numeric)`,
    [`g-${suffix}`, score],
  );
}

describe('versioned migrations', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ empty: true });
  });
  afterAll(() => db.drop());

  it('rejects a quality score of 10.00 before migration 0002 with SQLSTATE 22003, the plan’s failure', async () => {
    const dir = await migrationsUpTo(1);
    try {
      await migrate({ url: db.url, config: db.config({ migrationsDir: dir, proceduresDir: NO_PROCEDURES }) });
      expect(await scoreTypes(db)).toEqual(Array(4).fill('numeric(3,2)'));
      await insertGameWithScore(db, '9.99', 'fits');
      await expect(insertGameWithScore(db, '10.00', 'overflow')).rejects.toMatchObject({ code: '22003' });
    } finally {
      await rm(dir, { recursive: true });
    }
  });

  it('widens every data_quality_score to numeric(5,2), keeping the data, and then accepts 99.99 and 100.00', async () => {
    const result = await migrate({ url: db.url, config: db.config() });
    expect(result.applied).toEqual(expect.arrayContaining(['0002_widen_quality_score', '0003_index_totals_game_quality']));
    expect(result.applied).not.toContain('0001_legacy_schema');
    expect(await scoreTypes(db)).toEqual(Array(4).fill('numeric(5,2)'));
    await insertGameWithScore(db, '99.99', 'a');
    await insertGameWithScore(db, '100.00', 'b');
    const scores = await db.query<{ s: string }>(`SELECT data_quality_score::text AS s FROM staging.games ORDER BY source_raw_id`);
    expect(scores.map((r) => r.s)).toEqual(['9.99', '99.99', '100.00']);
    for (const table of STAGING.slice(1)) {
      await expect(db.query(`SELECT 100.00::numeric(5,2) AS ok FROM staging.${table} LIMIT 0`)).resolves.toEqual([]);
    }
  });

  it('builds the plan’s indexes CONCURRENTLY, valid, the totals one partial on validated rows', async () => {
    const rows = await db.query<{ name: string; valid: boolean; def: string }>(
      `SELECT c.relname AS name, i.indisvalid AS valid, pg_get_indexdef(i.indexrelid) AS def
         FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
        WHERE c.relname IN ('idx_staging_totals_game_id_quality', 'idx_staging_moneylines_sportsbook_date') ORDER BY 1`,
    );
    expect(rows.map((r) => [r.name, r.valid])).toEqual([
      ['idx_staging_moneylines_sportsbook_date', true],
      ['idx_staging_totals_game_id_quality', true],
    ]);
    expect(rows[1]!.def).toMatch(/\(game_id, data_quality_score\) WHERE \(validation_status = 'validated'::text\)/);
  });

  it('a second migrate is a no-op and status reports nothing pending', async () => {
    const again = await migrate({ url: db.url, config: db.config() });
    expect(again).toMatchObject({ applied: [], procedures: [], repairedIndexes: [] });
    const s = await status(db.url, db.config());
    expect(s).toMatchObject({ ok: true, pending: [], changed: [], invalidIndexes: [] });
  });

  it('rebuilds an index its migrations own after it was left INVALID, and status reports it first', async () => {
    await db.query(`UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'staging.idx_staging_totals_game_id_quality'::regclass`);
    const before = await status(db.url, db.config());
    expect(before.ok).toBe(false);
    expect(before.invalidIndexes).toEqual([
      { schema: 'staging', name: 'idx_staging_totals_game_id_quality', table: 'totals', migration: '0003_index_totals_game_quality' },
    ]);
    const result = await migrate({ url: db.url, config: db.config() });
    expect(result.repairedIndexes).toEqual(['staging.idx_staging_totals_game_id_quality']);
    const after = await db.query<{ valid: boolean }>(
      `SELECT indisvalid AS valid FROM pg_index WHERE indexrelid = 'staging.idx_staging_totals_game_id_quality'::regclass`,
    );
    expect(after).toEqual([{ valid: true }]);
    expect((await status(db.url, db.config())).ok).toBe(true);
  });

  it('goes down and up again: all migrations revert, then re-apply with the same schema', async () => {
    const schemaOf = async () =>
      db.query(
        `SELECT table_schema, table_name, column_name, data_type, numeric_precision, numeric_scale
           FROM information_schema.columns WHERE table_schema IN ('raw','staging','curated','pipeline') ORDER BY 1, 2, 3`,
      );
    const before = await schemaOf();
    // The quality scores above 9.99 no longer fit numeric(3,2): down must refuse rather than lose them.
    await expect(down({ url: db.url, config: db.config(), count: Number.POSITIVE_INFINITY })).rejects.toThrow(/22003|out of range|overflow/);
    await db.query(`DELETE FROM staging.games`);
    const { reverted } = await down({ url: db.url, config: db.config(), count: Number.POSITIVE_INFINITY });
    expect(reverted.at(-1)).toBe('0001_legacy_schema');
    expect(await db.query(`SELECT nspname FROM pg_namespace WHERE nspname IN ('raw','staging','curated','pipeline')`)).toEqual([]);
    expect(await db.query(`SELECT name FROM pgphase.migrations`)).toEqual([]);
    const up = await migrate({ url: db.url, config: db.config() });
    expect(up.applied[0]).toBe('0001_legacy_schema');
    expect(await schemaOf()).toEqual(before);
  });
});

describe('two migrators at once', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ empty: true });
  });
  afterAll(() => db.drop());

  it('one applies, the other waits for it and finds nothing left: one consistent result', async () => {
    const results = await Promise.all([0, 1, 2].map(() => migrate({ url: db.url, config: db.config() })));
    const applied = results.flatMap((r) => r.applied);
    const files = (await (await import('node:fs/promises')).readdir(MIGRATIONS)).filter((f) => f.endsWith('.sql'));
    expect(applied.sort()).toEqual(files.map((f) => f.replace(/\.sql$/, '')).sort());
    expect(results.filter((r) => r.applied.length > 0)).toHaveLength(1);
    const names = await db.query<{ name: string; n: string }>(`SELECT name, count(*) AS n FROM pgphase.migrations GROUP BY name HAVING count(*) > 1`);
    expect(names).toEqual([]);
    expect((await status(db.url, db.config())).ok).toBe(true);
  });

  it('a migrator that cannot get the migration lock in time fails clearly', async () => {
    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    try {
      await holder.query(`SELECT pg_advisory_lock(7232648511430961153)`);
      const error = await migrate({ url: db.url, config: db.config({ migrateWaitMs: 300 }) }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LockTimeoutError);
      expect((error as Error).message).toMatch(/another migrator is running \(pid \d+/);
    } finally {
      await holder.end();
    }
  });
});

describe('lock timeouts on DDL', () => {
  let db: TestDatabase;
  let dir: string;
  beforeAll(async () => {
    db = await createTestDatabase({ empty: true });
    dir = await migrationsUpTo(1);
    await migrate({ url: db.url, config: db.config({ migrationsDir: dir, proceduresDir: NO_PROCEDURES }) });
    await rm(dir, { recursive: true });
  });
  afterAll(() => db.drop());

  it('gives up after its lock timeout and retries with a clear error instead of hanging, leaving nothing half-applied', async () => {
    const blocker = new pg.Client({ connectionString: db.url });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE staging.totals IN ACCESS SHARE MODE');
      const sleeps: number[] = [];
      const started = Date.now();
      const error = await migrate({
        url: db.url,
        config: db.config({ lockTimeoutMs: 200, lockRetries: 2, lockRetryBaseMs: 10 }),
        sleep: async (ms) => void sleeps.push(ms),
      }).catch((e: unknown) => e);
      expect(Date.now() - started).toBeLessThan(20_000);
      expect(error).toBeInstanceOf(LockTimeoutError);
      expect((error as Error).message).toMatch(/0002_widen_quality_score failed \(SQLSTATE 55P03\)/);
      expect(sleeps).toHaveLength(2);
      // 0002 alters staging.games before staging.totals: the rollback must have undone it.
      expect(await scoreTypes(db)).toEqual(Array(4).fill('numeric(3,2)'));
      expect(await db.query(`SELECT name FROM pgphase.migrations ORDER BY id`)).toEqual([{ name: '0001_legacy_schema' }]);
    } finally {
      await blocker.query('ROLLBACK');
      await blocker.end();
    }
  });

  it('succeeds on a later rung of the ladder when the blocker lets go', async () => {
    const blocker = new pg.Client({ connectionString: db.url });
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE staging.totals IN ACCESS SHARE MODE');
    const result = await migrate({
      url: db.url,
      config: db.config({ lockTimeoutMs: 150, lockRetries: 5, lockRetryBaseMs: 10 }),
      sleep: async () => {
        await blocker.query('ROLLBACK').catch(() => {});
      },
    });
    await blocker.end();
    expect(result.lockRetries).toBeGreaterThanOrEqual(1);
    expect(result.applied).toContain('0002_widen_quality_score');
    expect(await scoreTypes(db)).toEqual(Array(4).fill('numeric(5,2)'));
  });
});

describe('checksums and repeatable procedures', () => {
  let db: TestDatabase;
  let migrations: string;
  let procedures: string;
  beforeAll(async () => {
    db = await createTestDatabase({ empty: true });
    migrations = await migrationsUpTo(2);
    procedures = await tempDir();
    await writeFile(
      join(procedures, 'public_answer.sql'),
      'CREATE OR REPLACE FUNCTION public.answer () RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT 41 $$;\n',
    );
  });
  afterAll(async () => {
    await db.drop();
    await rm(migrations, { recursive: true });
    await rm(procedures, { recursive: true });
  });
  const config = () => db.config({ migrationsDir: migrations, proceduresDir: procedures });

  it('applies procedures after migrations and only re-applies a file whose checksum changed', async () => {
    const first = await migrate({ url: db.url, config: config() });
    expect(first.procedures).toEqual(['public_answer.sql']);
    expect(await db.query(`SELECT public.answer() AS a`)).toEqual([{ a: 41 }]);
    expect((await migrate({ url: db.url, config: config() })).procedures).toEqual([]);
    // CRLF line endings are the same file.
    const text = await readFile(join(procedures, 'public_answer.sql'), 'utf8');
    await writeFile(join(procedures, 'public_answer.sql'), text.replace(/\n/g, '\r\n'));
    expect((await migrate({ url: db.url, config: config() })).procedures).toEqual([]);
    await writeFile(join(procedures, 'public_answer.sql'), text.replace('41', '42'));
    expect((await status(db.url, config())).procedures.pending).toEqual(['public_answer.sql']);
    expect((await migrate({ url: db.url, config: config() })).procedures).toEqual(['public_answer.sql']);
    expect(await db.query(`SELECT public.answer() AS a`)).toEqual([{ a: 42 }]);
  });

  it('reports a broken procedure as file:line:column and keeps the previous version', async () => {
    await writeFile(
      join(procedures, 'public_answer.sql'),
      [
        '-- a comment line',
        'CREATE OR REPLACE FUNCTION public.answer () RETURNS integer LANGUAGE plpgsql AS $$',
        'BEGIN',
        '  RETURN 43',
        '  RETURN 44;',
        'END $$;',
        '',
      ].join('\n'),
    );
    const error = await migrate({ url: db.url, config: config() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as Error).message).toMatch(/public_answer\.sql:5:\d+: syntax error/);
    expect((error as Error).message).toContain('RETURN 44;');
    expect(await db.query(`SELECT public.answer() AS a`)).toEqual([{ a: 42 }]);
  });

  it('refuses an applied migration whose file was edited, naming the file', async () => {
    await writeFile(
      join(procedures, 'public_answer.sql'),
      'CREATE OR REPLACE FUNCTION public.answer () RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT 42 $$;\n',
    );
    const file = join(migrations, '0002_widen_quality_score.sql');
    const original = await readFile(file, 'utf8');
    await writeFile(file, original.replace('numeric(5, 2);', 'numeric(6, 2);'));
    const error = await migrate({ url: db.url, config: config() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as Error).message).toContain('0002_widen_quality_score.sql');
    expect((error as Error).message).toMatch(/changed after being applied/);
    expect((await status(db.url, config())).changed).toEqual(['0002_widen_quality_score']);
    await writeFile(file, original);
    await expect(migrate({ url: db.url, config: config() })).resolves.toMatchObject({ applied: [] });
  });

  it('refuses a -- no-transaction file with more than one statement', async () => {
    await writeFile(
      join(migrations, '0003_two_statements.sql'),
      '-- no-transaction\n-- Up Migration\nCREATE INDEX CONCURRENTLY a ON raw.games (id);\nCREATE INDEX CONCURRENTLY b ON raw.games (id);\n',
    );
    const error = await migrate({ url: db.url, config: config() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as Error).message).toMatch(/exactly one statement/);
    await rm(join(migrations, '0003_two_statements.sql'));
  });
});
