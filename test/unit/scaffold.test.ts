import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { init, INIT_FILES } from '../../runner/commands/init.js';
import { newMigration, newProcedure } from '../../runner/commands/new.js';
import { parseConfig } from '../../runner/config.js';
import { parseMigration } from '../../runner/migrate/migrationFile.js';
import { nextMigrationNumber } from '../../runner/scaffold/templates.js';

const project = () => mkdtempSync(join(tmpdir(), 'pgphase-new-'));

describe('pgphase init', () => {
  it('writes the project skeleton, then refuses to overwrite anything and names what exists', () => {
    const root = project();
    init(root);
    expect(readdirSync(root).sort()).toEqual(['migrations', 'pgphase.config.json', 'phases.json', 'procedures', 'test', 'vitest.config.ts']);
    expect(() => parseConfig(JSON.parse(readFileSync(join(root, 'pgphase.config.json'), 'utf8')), root)).not.toThrow();
    const again = project();
    writeFileSync(join(again, 'phases.json'), '["mine"]');
    expect(() => init(again)).toThrow(/phases\.json already exists.*nothing was written/);
    expect(readdirSync(again)).toEqual(['phases.json']);
    expect(readFileSync(join(again, 'phases.json'), 'utf8')).toBe('["mine"]');
    expect(INIT_FILES.some((f) => f.path === 'test/pgphase.test.ts')).toBe(true);
  });
});

describe('pgphase new', () => {
  it('numbers migrations after the highest existing number', () => {
    expect(nextMigrationNumber([])).toBe('0001');
    expect(nextMigrationNumber(['0001_a.sql', '0009_b.sql', 'notes.md', '0003_c.sql'])).toBe('0010');
    const root = project();
    init(root);
    const config = parseConfig({}, root);
    expect(newMigration(config, 'create_customers')).toBe(join(root, 'migrations', '0001_create_customers.sql'));
    writeFileSync(join(root, 'migrations', '0041_elsewhere.sql'), '-- Up Migration\nSELECT 1;\n');
    expect(newMigration(config, 'add_index', { noTransaction: true })).toBe(join(root, 'migrations', '0042_add_index.sql'));
  });

  it('writes Up and Down sections, and the -- no-transaction header when asked', () => {
    const root = project();
    init(root);
    const config = parseConfig({}, root);
    const plain = readFileSync(newMigration(config, 'plain'), 'utf8');
    const concurrent = readFileSync(newMigration(config, 'concurrent', { noTransaction: true }), 'utf8');
    expect(plain).toMatch(/^-- Up Migration$/m);
    expect(plain).toMatch(/^-- Down Migration$/m);
    expect(plain.split('\n')[0]).not.toMatch(/no-transaction/);
    expect(concurrent.split('\n')[0]).toBe('-- no-transaction');
    const filled = concurrent.replace('-- Up Migration\n', '-- Up Migration\nCREATE INDEX CONCURRENTLY i ON t (a);\n');
    expect(parseMigration('0002_concurrent.sql', filled).noTransaction).toBe(true);
  });

  it('refuses a bad name, a name already used, an existing procedure file and a missing folder (exit 2)', () => {
    const root = project();
    init(root);
    const config = parseConfig({}, root);
    newMigration(config, 'create_customers');
    expect(() => newMigration(config, 'create_customers')).toThrow(
      expect.objectContaining({ exitCode: 2, message: expect.stringMatching(/already exists: 0001_create_customers\.sql/) }),
    );
    expect(() => newMigration(config, 'Bad Name')).toThrow(expect.objectContaining({ exitCode: 2 }));
    newProcedure(config, 'app.refresh');
    expect(() => newProcedure(config, 'app.refresh')).toThrow(/app_refresh\.sql already exists/);
    expect(() => newProcedure(config, 'refresh')).toThrow(/schema\.name/);
    expect(() => newMigration(parseConfig({ migrationsDir: 'nope' }, root), 'x')).toThrow(
      expect.objectContaining({ exitCode: 2, message: expect.stringMatching(/setting migrationsDir/) }),
    );
  });
});
