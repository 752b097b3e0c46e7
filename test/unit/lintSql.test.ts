import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lintSql } from '../../runner/commands/lintSql.js';

describe('lint-sql --fix', () => {
  it('formats procedures but never rewrites a migration (migrate refuses an applied one whose text changed)', async () => {
    const root = mkdtempSync(join(tmpdir(), 'pgphase-lintsql-'));
    mkdirSync(join(root, 'migrations'));
    mkdirSync(join(root, 'procedures'));
    const messy = 'create table a (id int);\n';
    writeFileSync(join(root, 'migrations', '0001_a.sql'), messy);
    writeFileSync(join(root, 'procedures', 'p.sql'), 'select 1;\n');
    const checked = await lintSql(root, false);
    expect(checked.unformatted.sort()).toEqual(['migrations/0001_a.sql', 'procedures/p.sql']);
    const fixed = await lintSql(root, true);
    expect(fixed).toMatchObject({ fixed: ['procedures/p.sql'], leftAlone: ['migrations/0001_a.sql'] });
    expect(readFileSync(join(root, 'migrations', '0001_a.sql'), 'utf8')).toBe(messy);
    expect(readFileSync(join(root, 'procedures', 'p.sql'), 'utf8')).toBe('SELECT\n  1;\n');
  });
});
