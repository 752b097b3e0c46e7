import { describe, expect, it } from 'vitest';
import { appliesTo, assertSupportedVersion, judgeVersion, versionCondition, versionName } from '../../runner/db/versionRule.js';
import { EXIT, PgphaseError } from '../../runner/errors.js';

describe('the server version rule', () => {
  it('accepts every community-supported major, 15 to 18', () => {
    for (const num of [150000, 150018, 160009, 170005, 180004]) expect(judgeVersion(num).level).toBe('ok');
  });

  it('refuses 14 and older with exit code 2, naming the version found and the versions supported', () => {
    for (const num of [140019, 130000, 90624]) {
      expect(judgeVersion(num).level).toBe('fail');
      let caught: unknown;
      try {
        assertSupportedVersion(num);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(PgphaseError);
      expect((caught as PgphaseError).exitCode).toBe(EXIT.usage);
      expect((caught as Error).message).toContain(`PostgreSQL ${versionName(num)} is not supported`);
      expect((caught as Error).message).toContain('15 to 18');
    }
  });

  it('warns about a major newer than the tested ones, without refusing it', () => {
    expect(judgeVersion(190000).level).toBe('warn');
    expect(() => assertSupportedVersion(190000)).not.toThrow();
  });

  it('refuses a number that is not a version', () => {
    expect(judgeVersion(Number.NaN).level).toBe('fail');
    expect(judgeVersion(0).level).toBe('fail');
  });
});

describe('version conditions of procedure files', () => {
  it('reads a header line and applies it to a major', () => {
    const newer = '-- pgphase:server-version >= 16\nCREATE OR REPLACE FUNCTION f() ...';
    const older = '-- pgphase:server-version < 16\n-- comment\nCREATE OR REPLACE FUNCTION f() ...';
    expect(versionCondition(newer)).toEqual({ op: '>=', major: 16 });
    expect([15, 16, 18].map((m) => appliesTo(newer, m))).toEqual([false, true, true]);
    expect([15, 16, 18].map((m) => appliesTo(older, m))).toEqual([true, false, false]);
  });

  it('applies a file without the header everywhere, and ignores the words deeper in the file', () => {
    expect(appliesTo('CREATE OR REPLACE FUNCTION f() ...', 15)).toBe(true);
    expect(appliesTo('-- a\n-- b\n-- c\n-- d\n-- e\n-- pgphase:server-version >= 99\nCREATE ...', 15)).toBe(true);
  });
});
