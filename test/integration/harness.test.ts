import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

describe('test harness', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  it('gives each file a database cloned from the migrated template', async () => {
    const rows = await db.query<{ n: string }>(`SELECT count(*) AS n FROM pgphase.migrations`);
    expect(Number(rows[0]!.n)).toBeGreaterThanOrEqual(4);
    const schemas = await db.query<{ nspname: string }>(`SELECT nspname FROM pg_namespace WHERE nspname IN ('raw','staging','curated','pipeline') ORDER BY 1`);
    expect(schemas.map((s) => s.nspname)).toEqual(['curated', 'pipeline', 'raw', 'staging']);
  });
});
