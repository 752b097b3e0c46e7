/**
 * A phase scaffolded by `pgphase new phase` runs end to end before the user edits a line: when no
 * migration creates the target, the scaffold writes one (the source's columns), and the scaffolded
 * classification copies every row across.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

describe('pgphase new phase', () => {
  let db: TestDatabase;
  let dir: string;
  const cli = (args: string[]) =>
    runCli(['--config', join(dir, 'pgphase.config.json'), ...args], {
      DATABASE_URL: db.url,
      PGPHASE_MIGRATIONS_DIR: undefined,
      PGPHASE_PROCEDURES_DIR: undefined,
      PGPHASE_PHASES: undefined,
    });
  beforeAll(async () => {
    db = await createTestDatabase({ empty: true });
    dir = mkdtempSync(join(tmpdir(), 'pgphase-phase-'));
  });
  afterAll(() => db.drop());

  it('scaffolds the target migration, the classification, the step and the phases entry, and runs unedited', async () => {
    writeFileSync(join(dir, 'pgphase.config.json'), JSON.stringify({ migrationsDir: 'migrations', proceduresDir: 'procedures', phases: 'phases.json' }));
    for (const sub of ['migrations', 'procedures']) mkdirSync(join(dir, sub));
    writeFileSync(join(dir, 'phases.json'), '[]\n');
    writeFileSync(
      join(dir, 'migrations', '0001_orders.sql'),
      '-- Up Migration\nCREATE SCHEMA shop;\n\nCREATE TABLE shop.orders (id bigint PRIMARY KEY, amount numeric(10, 2), note text);\n\n-- Down Migration\nDROP SCHEMA shop CASCADE;\n',
    );
    const scaffold = await cli(['new', 'phase', 'copy_orders', '--source', 'shop.orders', '--target', 'shop.orders_copy']);
    expect(scaffold.code, scaffold.stderr).toBe(0);
    expect(readdirSync(join(dir, 'migrations'))).toEqual(['0001_orders.sql', '0002_create_shop_orders_copy.sql']);
    expect(readFileSync(join(dir, 'migrations', '0002_create_shop_orders_copy.sql'), 'utf8')).toMatch(
      /source_raw_id bigint NOT NULL UNIQUE,\n {2}amount numeric\(10, 2\),\n {2}note text,/,
    );
    expect(JSON.parse(readFileSync(join(dir, 'phases.json'), 'utf8'))).toEqual([
      {
        name: 'copy_orders',
        description: 'shop.orders -> shop.orders_copy',
        dependsOn: [],
        steps: [{ source: 'shop.orders', procedure: 'shop.load_copy_orders', key: 'id' }],
      },
    ]);
    const again = await cli(['new', 'phase', 'copy_orders', '--source', 'shop.orders', '--target', 'shop.orders_copy']);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already exists/);

    expect((await cli(['migrate'])).code).toBe(0);
    await db.query(`INSERT INTO shop.orders SELECT g, g * 1.5, 'order ' || g FROM generate_series(1, 500) g`);
    const run = await cli(['run', 'copy_orders', '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).phases[0]).toMatchObject({ rowsIn: 500, written: 500, rejected: 0 });
    expect(await db.query(`SELECT count(*)::int AS n, sum(amount)::text AS total FROM shop.orders_copy`)).toEqual([{ n: 500, total: '187875.00' }]);
  });

  it("over a target from the user's own migration: upserts on its unique column named like the source key, or adds source_raw_id; both run unedited", async () => {
    writeFileSync(
      join(dir, 'migrations', '0003_user_targets.sql'),
      [
        '-- Up Migration',
        'CREATE TABLE shop.orders_keyed (id bigint PRIMARY KEY, amount numeric(10, 2), note text);',
        'CREATE TABLE shop.orders_loose (row_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, amount numeric(10, 2), note text);',
        '-- Down Migration',
        'DROP TABLE shop.orders_keyed, shop.orders_loose;',
        '',
      ].join('\n'),
    );
    const keyed = await cli(['new', 'phase', 'keyed_orders', '--source', 'shop.orders', '--target', 'shop.orders_keyed']);
    expect(keyed.code, keyed.stderr).toBe(0);
    expect(keyed.stdout).toMatch(/shop\.orders_keyed\.id is unique and takes the source's id/);
    const loose = await cli(['new', 'phase', 'loose_orders', '--source', 'shop.orders', '--target', 'shop.orders_loose']);
    expect(loose.code, loose.stderr).toBe(0);
    expect(loose.stdout).toMatch(/no unique column that can take the source's id: two migrations add source_raw_id/);
    expect(readdirSync(join(dir, 'migrations')).slice(3)).toEqual(['0004_shop_orders_loose_source_raw_id.sql', '0005_shop_orders_loose_source_raw_id_key.sql']);
    const lint = await cli(['lint']);
    expect(lint.code, lint.stdout + lint.stderr).toBe(0);
    const migrated = await cli(['migrate']);
    expect(migrated.code, migrated.stderr).toBe(0);
    for (const phase of ['keyed_orders', 'loose_orders']) {
      const run = await cli(['run', phase, '--json']);
      expect(run.code, run.stderr).toBe(0);
      expect(JSON.parse(run.stdout).phases[0]).toMatchObject({ rowsIn: 500, written: 500, rejected: 0 });
    }
    expect(await db.query(`SELECT count(*)::int AS n, min(id)::int AS lo, sum(amount)::text AS total FROM shop.orders_keyed`)).toEqual([
      { n: 500, lo: 1, total: '187875.00' },
    ]);
    expect(await db.query(`SELECT count(*)::int AS n, count(DISTINCT source_raw_id)::int AS keys FROM shop.orders_loose`)).toEqual([{ n: 500, keys: 500 }]);
  });
});
