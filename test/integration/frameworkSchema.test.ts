/**
 * pgphase installs its own schema before the application's migrations, records each framework
 * file, and keeps it when the application reverts everything.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MigrationError } from '../../runner/errors.js';
import { installFramework, readFrameworkFiles } from '../../runner/framework/install.js';
import { down, migrate } from '../../runner/migrate/migrate.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

const NO_PROCEDURES = join(process.cwd(), 'test', 'fixtures', 'no-procedures');

describe("pgphase's own schema", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ empty: true });
  });
  afterAll(() => db.drop());

  it('is installed by migrate, before and apart from the application, and survives down --all', async () => {
    const emptyMigrations = await mkdtemp(join(tmpdir(), 'pgphase-fw-'));
    await migrate({ url: db.url, config: db.config({ migrationsDir: emptyMigrations, proceduresDir: NO_PROCEDURES }) });
    const files = await readFrameworkFiles();
    const recorded = await db.query<{ name: string }>('SELECT name FROM pgphase.framework_schema ORDER BY name');
    expect(recorded.map((r) => r.name)).toEqual(files.map((f) => f.name));

    await migrate({ url: db.url, config: db.config({ proceduresDir: NO_PROCEDURES }) });
    await down({ url: db.url, config: db.config({ proceduresDir: NO_PROCEDURES }), count: 1_000 });
    const after = await db.query<{ name: string }>('SELECT name FROM pgphase.framework_schema ORDER BY name');
    expect(after).toEqual(recorded);
  });

  it('refuses a framework file whose text changed after it was applied, and applies nothing', async () => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const [first] = await readFrameworkFiles();
      if (!first) throw new Error('no framework files');
      const changed = { ...first, text: `${first.text}\n-- edited`, checksum: 'edited' };
      const probe = { name: '9999_probe', text: 'CREATE TABLE pgphase.probe (id int)', checksum: 'p' };
      await expect(installFramework(client, [changed, probe])).rejects.toBeInstanceOf(MigrationError);
      const { rows } = await client.query(`SELECT to_regclass('pgphase.probe') AS t`);
      expect(rows[0].t).toBeNull();
    } finally {
      await client.end();
    }
  });

  it('rolls a failing framework file back whole and records nothing of it', async () => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const broken = { name: '9998_broken', text: 'CREATE TABLE pgphase.half (id int); SELECT 1/0;', checksum: 'b' };
      await expect(installFramework(client, [broken])).rejects.toThrow(/division by zero/);
      const { rows } = await client.query(
        `SELECT to_regclass('pgphase.half') AS t, (SELECT count(*)::int FROM pgphase.framework_schema WHERE name = '9998_broken') AS n`,
      );
      expect(rows[0]).toEqual({ t: null, n: 0 });
    } finally {
      await client.end();
    }
  });
});
