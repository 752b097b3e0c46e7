import { describe, expect, it } from 'vitest';
import { createdObject, explainFailures, type FailedFile, missingObject } from '../../runner/migrate/procedureFailures.js';

const file = (name: string, text: string, message: string): FailedFile => ({
  file: name,
  text,
  message,
  described: `procedures/${name}:1:1: ${message}\n  1 | ...`,
});

describe('procedure failures, root cause first', () => {
  it('reads the missing object of each kind of error, and the object a file creates', () => {
    expect(missingObject('function staging.parse_timestamp(text) does not exist')).toBe('staging.parse_timestamp');
    expect(missingObject('function pg_input_is_valid(text, unknown) does not exist')).toBe('pg_input_is_valid');
    expect(missingObject('relation "staging.games" does not exist')).toBe('staging.games');
    expect(missingObject('syntax error at or near "SELEC"')).toBeUndefined();
    expect(createdObject('-- c\nCREATE OR REPLACE FUNCTION staging.parse_timestamp (p text) RETURNS')).toBe('staging.parse_timestamp');
    expect(createdObject('CREATE OR REPLACE PROCEDURE "staging"."Load" ()')).toBe('staging.load');
  });

  it('names the file whose own statement fails, and the file that needs its object as a chain', () => {
    const parse = file(
      'staging_parse_timestamp.sql',
      'CREATE OR REPLACE FUNCTION staging.parse_timestamp (p text)',
      'function pg_input_is_valid(text, unknown) does not exist',
    );
    const games = file(
      'staging_classify_games.sql',
      'CREATE OR REPLACE PROCEDURE staging.classify_games ()',
      'function staging.parse_timestamp(text) does not exist',
    );
    const report = explainFailures([games, parse]);
    expect(report.roots.map((r) => r.file)).toEqual(['staging_parse_timestamp.sql']);
    expect(report.chains).toEqual([
      'staging_classify_games.sql needs staging.parse_timestamp, which failed: procedures/staging_parse_timestamp.sql:1:1: function pg_input_is_valid(text, unknown) does not exist',
    ]);
  });

  it('follows a chain of several files to its root', () => {
    const a = file('a.sql', 'CREATE OR REPLACE FUNCTION s.a ()', 'function s.b() does not exist');
    const b = file('b.sql', 'CREATE OR REPLACE FUNCTION s.b ()', 'function s.c() does not exist');
    const c = file('c.sql', 'CREATE OR REPLACE FUNCTION s.c ()', 'syntax error at or near "x"');
    const report = explainFailures([a, b, c]);
    expect(report.roots.map((r) => r.file)).toEqual(['c.sql']);
    expect(report.chains[0]).toMatch(/^a\.sql needs s\.b, which failed \(through b\.sql\): procedures\/c\.sql:1:1: syntax error/);
    expect(report.chains[1]).toMatch(/^b\.sql needs s\.c, which failed: procedures\/c\.sql/);
  });

  it('reports files that only need each other as roots rather than none', () => {
    const a = file('a.sql', 'CREATE OR REPLACE FUNCTION s.a ()', 'function s.b() does not exist');
    const b = file('b.sql', 'CREATE OR REPLACE FUNCTION s.b ()', 'function s.a() does not exist');
    expect(explainFailures([a, b]).roots).toHaveLength(2);
  });
});
