/**
 * migrate on the lock ladder: each pass runs with its own small lock_timeout (100 ms, growing by
 * half up to PGPHASE_LOCK_TIMEOUT), read back from the server by the migration itself; a
 * `-- no-transaction` file waits up to the cap, and the pass's budget is back for the next file.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LockTimeoutError } from '../../runner/errors.js';
import { migrate } from '../../runner/migrate/migrate.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

const NO_PROCEDURES = join(process.cwd(), 'test', 'fixtures', 'no-procedures');
/** Records the pass's lock_timeout in ms in sequence app.pass<N> (setval is not rolled back with the pass). */
const RECORD_PASS = `SELECT setval(format('app.pass%s', nextval('app.passes'))::regclass, (extract(epoch FROM current_setting('lock_timeout')::interval) * 1000)::bigint);`;

let db: TestDatabase;
let dir: string;
const config = (more: Parameters<TestDatabase['config']>[0] = {}) => db.config({ migrationsDir: dir, proceduresDir: NO_PROCEDURES, ...more });

beforeAll(async () => {
  db = await createTestDatabase({ empty: true });
  dir = await mkdtemp(join(tmpdir(), 'pgphase-ladder-'));
  await writeFile(
    join(dir, '0001_app.sql'),
    `-- Up Migration\nCREATE SCHEMA app;\nCREATE TABLE app.t (id int);\nCREATE SEQUENCE app.passes;\n${[1, 2, 3, 4, 5].map((n) => `CREATE SEQUENCE app.pass${n};`).join('\n')}\n-- Down Migration\nDROP SCHEMA app CASCADE;\n`,
  );
  await migrate({ url: db.url, config: config() });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await db.drop();
});

describe('migrate on the lock ladder', () => {
  it('behind a long reader, each pass waits a lock_timeout growing from 100 ms to PGPHASE_LOCK_TIMEOUT, then fails with nothing applied', async () => {
    await writeFile(
      join(dir, '0002_note.sql'),
      `-- Up Migration\n${RECORD_PASS}\nALTER TABLE app.t ADD COLUMN note text;\n-- Down Migration\nALTER TABLE app.t DROP COLUMN note;\n`,
    );
    const reader = new pg.Client({ connectionString: db.url });
    await reader.connect();
    try {
      await reader.query('BEGIN');
      await reader.query('SELECT count(*) FROM app.t');
      const slept: number[] = [];
      const error = await migrate({ url: db.url, config: config({ lockTimeoutMs: 300, lockRetries: 3 }), sleep: async (ms) => void slept.push(ms) }).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(LockTimeoutError);
      expect((error as Error).message).toMatch(/migration 0002_note failed \(SQLSTATE 55P03\)/);
      expect(slept).toHaveLength(3);
      const passes = await db.query<{ ms: number }>(
        `SELECT last_value::int AS ms FROM pg_sequences WHERE schemaname = 'app' AND sequencename LIKE 'pass_' AND last_value IS NOT NULL ORDER BY sequencename`,
      );
      expect(passes.map((p) => p.ms)).toEqual([100, 150, 225, 300]);
      expect(await db.query(`SELECT count(*)::int AS n FROM pg_attribute WHERE attrelid = 'app.t'::regclass AND attname = 'note'`)).toEqual([{ n: 0 }]);
    } finally {
      await reader.query('ROLLBACK').catch(() => {});
      await reader.end();
    }
    const done = await migrate({ url: db.url, config: config() });
    expect(done.applied).toEqual(['0002_note']);
  });

  it('a -- no-transaction file waits up to the cap from the first pass; the next file has the pass budget again', async () => {
    await writeFile(
      join(dir, '0003_concurrent.sql'),
      `-- no-transaction\n-- Up Migration\nCREATE TABLE app.concurrent AS SELECT current_setting('lock_timeout') AS v;\n-- Down Migration\nDROP TABLE app.concurrent;\n`,
    );
    await writeFile(
      join(dir, '0004_after.sql'),
      `-- Up Migration\nCREATE TABLE app.after AS SELECT current_setting('lock_timeout') AS v;\n-- Down Migration\nDROP TABLE app.after;\n`,
    );
    const result = await migrate({ url: db.url, config: config({ lockTimeoutMs: 2_000 }) });
    expect(result.applied).toEqual(['0003_concurrent', '0004_after']);
    expect(await db.query(`SELECT (SELECT v FROM app.concurrent) AS concurrent, (SELECT v FROM app.after) AS after`)).toEqual([
      { concurrent: '2s', after: '100ms' },
    ]);
  });
});
