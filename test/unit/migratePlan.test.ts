import { describe, expect, it } from 'vitest';
import { upSectionOnly } from '../../runner/lint/squawk.js';
import { parseMigration, withoutLintDirectives } from '../../runner/migrate/migrationFile.js';
import { statementLocks } from '../../runner/migrate/statementLocks.js';
import { downCountTo, pendingThrough } from '../../runner/migrate/target.js';

const files = ['0001_a', '0002_b', '0003_c', '0004_d'].map((name) => ({ name }));

describe('--to', () => {
  it('up: the pending migrations through the target; nothing when it is applied; unknown is exit 2', () => {
    expect(pendingThrough(files, new Set(['0001_a']), '0003_c').map((f) => f.name)).toEqual(['0002_b', '0003_c']);
    expect(pendingThrough(files, new Set(['0001_a', '0002_b']), '0001_a')).toEqual([]);
    expect(pendingThrough(files, new Set(), undefined)).toHaveLength(4);
    expect(() => pendingThrough(files, new Set(), '0009_x')).toThrow(expect.objectContaining({ exitCode: 2 }));
  });
  it('down: how many were applied after the target', () => {
    expect(downCountTo(['0001_a', '0002_b', '0003_c'], '0001_a')).toBe(2);
    expect(downCountTo(['0001_a', '0002_b', '0003_c'], '0003_c')).toBe(0);
    expect(() => downCountTo(['0001_a'], '0002_b')).toThrow(/not applied/);
  });
});

describe('statement locks (libpg-query)', () => {
  it('names the lock each statement takes, at its line in the file', async () => {
    const text = [
      '-- Up Migration',
      'CREATE TABLE app.t (id bigint PRIMARY KEY, email text);',
      "-- a comment; with a semicolon 'and a quote",
      'CREATE INDEX t_email ON app.t (email);',
      'CREATE INDEX CONCURRENTLY t_email2 ON app.t (lower(email));',
      'ALTER TABLE app.t ADD CONSTRAINT fk FOREIGN KEY (id) REFERENCES app.u (id) NOT VALID;',
      'ALTER TABLE app.t VALIDATE CONSTRAINT fk;',
      'ALTER TABLE app.t ALTER COLUMN email TYPE varchar(200);',
      'CREATE FUNCTION app.f () RETURNS int LANGUAGE sql AS $$ SELECT 1; $$;',
      "UPDATE app.t SET email = 'é' WHERE id = 1;",
      'DROP INDEX CONCURRENTLY app.t_email;',
      'COPY app.t (email) FROM STDIN WITH (FORMAT csv);',
      'COPY app.t TO STDOUT;',
      '-- Down Migration',
      'DROP TABLE app.t;',
    ].join('\n');
    const m = parseMigration('0001_x.sql', text);
    const locks = await statementLocks(m.up.sql, m.text, m.up.offset);
    expect(locks.map((l) => [l.line, l.kind, l.lock])).toEqual([
      [2, 'CreateStmt', 'none'],
      [4, 'IndexStmt', 'SHARE'],
      [5, 'IndexStmt', 'SHARE UPDATE EXCLUSIVE'],
      [6, 'AlterTableStmt', 'SHARE ROW EXCLUSIVE'],
      [7, 'AlterTableStmt', 'SHARE UPDATE EXCLUSIVE'],
      [8, 'AlterTableStmt', 'ACCESS EXCLUSIVE'],
      [9, 'CreateFunctionStmt', 'none'],
      [10, 'UpdateStmt', 'ROW EXCLUSIVE'],
      [11, 'DropStmt', 'SHARE UPDATE EXCLUSIVE'],
      [12, 'CopyStmt', 'ROW EXCLUSIVE'],
      [13, 'CopyStmt', 'ACCESS SHARE'],
    ]);
    expect(locks.at(-2)!.target).toBe('app.t');
    expect(locks[1]!.target).toBe('app.t');
  });
});

describe('lint input', () => {
  it('keeps the Up section at its lines and blanks the Down section', () => {
    const text = '-- no-transaction\n-- Up Migration\nCREATE INDEX CONCURRENTLY i ON t (a);\n-- Down Migration\nDROP TABLE t;\n';
    const up = upSectionOnly(text);
    expect(up.split('\n')).toHaveLength(text.split('\n').length);
    expect(up.split('\n')[2]).toBe('CREATE INDEX CONCURRENTLY i ON t (a);');
    expect(up).not.toContain('DROP TABLE');
  });
  it('leaves a checksum unchanged when a squawk-ignore annotation is added', () => {
    const plain = '-- Up Migration\nCREATE TABLE t (id serial);\n';
    const annotated = '-- Up Migration\n-- squawk-ignore-file prefer-identity -- legacy\nCREATE TABLE t (id serial);\n';
    expect(withoutLintDirectives(annotated)).toBe(plain);
    expect(parseMigration('1_t.sql', annotated).checksum).toBe(parseMigration('1_t.sql', plain).checksum);
  });
});
