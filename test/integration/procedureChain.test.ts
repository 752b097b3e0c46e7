/**
 * Procedure files that fail are reported root cause first: the file whose own statement fails
 * (here it calls a function this server lacks), with file:line:column, then the file that failed
 * only because it needs the first file's function, as a chain. The hint never says that no file
 * creates an object some file does create.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MigrationError } from '../../runner/errors.js';
import { migrate } from '../../runner/migrate/migrate.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

describe('procedure files that fail because of another one', () => {
  let db: TestDatabase;
  let dir: string;
  beforeAll(async () => {
    db = await createTestDatabase();
    dir = await mkdtemp(join(tmpdir(), 'pgphase-chain-'));
    // Applied in name order: the user comes first, so it fails before the function it needs exists.
    await writeFile(
      join(dir, 'a_uses_parse.sql'),
      `CREATE OR REPLACE FUNCTION public.chain_uses (p text) RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT public.chain_parse(p) IS NOT NULL
$$;
`,
    );
    await writeFile(
      join(dir, 'b_parse.sql'),
      `-- Calls a function no server has (like pg_input_is_valid on PostgreSQL 15).
CREATE OR REPLACE FUNCTION public.chain_parse (p text) RETURNS timestamptz LANGUAGE sql STABLE AS $$
  SELECT CASE WHEN pg_input_is_valid_in_pg99(p, 'timestamptz') THEN p::timestamptz END
$$;
`,
    );
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
    await db.drop();
  });

  it('names the failing file, the missing function with file:line:column, and the chain', async () => {
    let caught: unknown;
    try {
      await migrate({ url: db.url, config: db.config({ proceduresDir: dir }) });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(MigrationError);
    const error = caught as MigrationError;
    const lines = error.message.split('\n');
    expect(lines[0]).toMatch(/b_parse\.sql:3:20: function pg_input_is_valid_in_pg99\(text, unknown\) does not exist$/);
    expect(lines[1]).toContain('SELECT CASE WHEN pg_input_is_valid_in_pg99');
    expect(error.message).toMatch(
      /^a_uses_parse\.sql needs public\.chain_parse, which failed: .*b_parse\.sql:3:20: function pg_input_is_valid_in_pg99\(text, unknown\) does not exist$/m,
    );
    expect(error.file).toMatch(/b_parse\.sql$/);
    expect(error.hint).toContain('No migration or procedure file creates pg_input_is_valid_in_pg99');
    expect(error.hint).not.toContain('chain_parse');
    expect(await db.query(`SELECT to_regproc('public.chain_uses') AS a, to_regproc('public.chain_parse') AS b`)).toEqual([{ a: null, b: null }]);
  });
});
