/**
 * Text of the files `pgphase init` and `pgphase new` write. Pure: names in, text out.
 */
import { RUN_DEFAULTS } from '../run/runDefaults.js';

export const NAME = /^[a-z][a-z0-9_]{0,50}$/;
export const QUALIFIED = /^([a-z_][a-z0-9_]{0,62})\.([a-z_][a-z0-9_]{0,62})$/;

/** The next migration number after the highest `NNNN_` prefix among `existing` file names. */
export function nextMigrationNumber(existing: readonly string[]): string {
  const numbers = existing
    .map((f) => /^(\d+)_.*\.sql$/.exec(f)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number);
  const next = (numbers.length ? Math.max(...numbers) : 0) + 1;
  return String(next).padStart(4, '0');
}

export function migrationText(name: string, noTransaction: boolean): string {
  if (noTransaction) {
    return `-- no-transaction
-- ${name}: runs outside a transaction (CREATE INDEX CONCURRENTLY, ALTER TYPE ... ADD VALUE).
-- Exactly one statement per direction: PostgreSQL runs a multi-statement string in one implicit
-- transaction. pgphase gives it no statement timeout by default (PGPHASE_CONCURRENT_STATEMENT_TIMEOUT)
-- and rebuilds the index if the build fails and leaves it INVALID.
-- Up Migration

-- Down Migration
`;
  }
  return `-- ${name}: what it changes and why (applied migrations are append-only: never edit it once applied).
-- pgphase runs it in one transaction with lock_timeout and statement_timeout set.
-- Up Migration

-- Down Migration
`;
}

export function procedureText(schema: string, name: string): string {
  return `-- ${schema}.${name}: what it does. Re-applied by \`pgphase migrate\` whenever this file changes.
CREATE OR REPLACE PROCEDURE ${schema}.${name} () LANGUAGE plpgsql AS $$
BEGIN
  RAISE NOTICE '${schema}.${name}: not written yet';
END
$$;
`;
}

export function configText(): string {
  return `${JSON.stringify(
    {
      migrationsDir: 'migrations',
      proceduresDir: 'procedures',
      phases: 'phases.json',
      home: '.pgphase',
      lockTimeoutMs: '1s',
      statementTimeoutMs: '15min',
      lockRetries: 20,
      runner: {
        batchMin: RUN_DEFAULTS.batch.min,
        batchMax: RUN_DEFAULTS.batch.max,
        batchInitial: RUN_DEFAULTS.batch.initial,
        targetMs: RUN_DEFAULTS.batch.targetMs,
      },
      health: {},
    },
    null,
    2,
  )}\n`;
}

export const SAMPLE_TEST = `// A fresh database per test file, cloned from a template migrated with this project's
// migrations and procedures: TEST_DATABASE_URL, else testcontainers' PostgreSQL when a container
// runtime answers, else pgphase's embedded PostgreSQL.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from 'pgphase/testing';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

it('has pgphase installed and every migration applied', async () => {
  const rows = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM pgphase.framework_schema');
  expect(rows[0]!.n).toBeGreaterThan(0);
});
`;

export const TEST_GLOBAL_SETUP = `// Builds the migrated template database once per test run (see pgphase/testing).
export { default } from 'pgphase/testing/globalSetup';
`;

export const VITEST_CONFIG = `import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/globalSetup.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    pool: 'forks',
  },
});
`;
