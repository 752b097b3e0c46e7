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
});
