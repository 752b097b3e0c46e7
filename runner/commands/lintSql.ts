/**
 * `lint-sql`: every SQL file must be formatted as sql-formatter formats it (PostgreSQL dialect,
 * upper-case keywords). sql-formatter leaves `$$` bodies byte-identical, so PL/pgSQL bodies keep
 * their hand layout and only the statements around them are normalised. `--fix` rewrites files,
 * except migrations: `migrate` refuses an applied migration whose text changed (its checksum), and
 * this command cannot tell applied from pending without a database, so a migration is only
 * reported, to be formatted by hand before it is applied.
 */
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { format } from 'sql-formatter';
import { z } from 'zod';
import { EXIT } from '../errors.js';
import { flag } from './flags.js';
import { defineCommand } from './spec.js';

const SQL_DIRS = ['migrations', 'procedures', 'sql', 'runner/framework/schema'];
/** Folders whose files are applied once and checksummed: reported, never rewritten. */
const NEVER_REWRITTEN = new Set(['migrations', 'runner/framework/schema']);

function formatSql(text: string): string {
  return `${format(text, { language: 'postgresql', keywordCase: 'upper', linesBetweenQueries: 1 })}\n`;
}

export async function lintSql(
  root: string,
  fix: boolean,
): Promise<{ checked: number; unformatted: string[]; errors: string[]; fixed: string[]; leftAlone: string[] }> {
  const unformatted: string[] = [];
  const fixed: string[] = [];
  const leftAlone: string[] = [];
  const errors: string[] = [];
  let checked = 0;
  for (const dir of SQL_DIRS) {
    let names: string[];
    try {
      names = (await readdir(join(root, dir))).filter((f) => f.endsWith('.sql')).sort();
    } catch {
      continue;
    }
    for (const name of names) {
      const path = join(root, dir, name);
      const text = await readFile(path, 'utf8');
      checked++;
      try {
        const formatted = formatSql(text);
        if (formatted !== text) {
          if (!fix) unformatted.push(relative(root, path));
          else if (NEVER_REWRITTEN.has(dir)) leftAlone.push(relative(root, path));
          else {
            await writeFile(path, formatted);
            fixed.push(relative(root, path));
          }
        }
      } catch (error) {
        errors.push(`${relative(root, path)}: ${(error as Error).message.split('\n')[0]}`);
      }
    }
  }
  return { checked, unformatted, errors, fixed, leftAlone };
}

export const lintSqlCommand = defineCommand({
  name: 'lint-sql',
  description: 'check that SQL files are formatted (sql-formatter, postgresql dialect)',
  options: [{ flags: '--fix', description: 'rewrite the files that are not' }],
  input: z.object({ fix: flag() }),
  run: (_session, input) => lintSql(process.cwd(), Boolean(input.fix)),
  render: (r) => ({
    stdout: [
      ...r.unformatted.map((f) =>
        NEVER_REWRITTEN.has(f.split('/').slice(0, -1).join('/'))
          ? `not formatted: ${f} (a migration: format it by hand before it is applied)`
          : `not formatted: ${f} (run pgphase lint-sql --fix)`,
      ),
      ...r.fixed.map((f) => `formatted: ${f}`),
      ...r.leftAlone.map((f) => `not formatted, left alone: ${f} (--fix never rewrites a migration: migrate refuses an applied one whose text changed)`),
      ...r.errors.map((e) => `cannot parse: ${e}`),
      `${r.checked} SQL file(s) checked`,
    ].join('\n'),
    exitCode: r.unformatted.length || r.leftAlone.length || r.errors.length ? EXIT.failed : EXIT.ok,
  }),
});
