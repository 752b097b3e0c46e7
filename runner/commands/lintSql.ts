/**
 * `lint-sql`: every SQL file must be formatted as sql-formatter formats it (PostgreSQL dialect,
 * upper-case keywords). sql-formatter leaves `$$` bodies byte-identical, so PL/pgSQL bodies keep
 * their hand layout and only the statements around them are normalised. `--fix` rewrites files.
 */
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { format } from 'sql-formatter';
import { z } from 'zod';
import { EXIT } from '../errors.js';
import { flag } from './flags.js';
import { defineCommand } from './spec.js';

const SQL_DIRS = ['migrations', 'procedures', 'sql', 'runner/framework/schema'];

function formatSql(text: string): string {
  return `${format(text, { language: 'postgresql', keywordCase: 'upper', linesBetweenQueries: 1 })}\n`;
}

export async function lintSql(root: string, fix: boolean): Promise<{ checked: number; unformatted: string[]; errors: string[] }> {
  const unformatted: string[] = [];
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
          if (fix) await writeFile(path, formatted);
          else unformatted.push(relative(root, path));
        }
      } catch (error) {
        errors.push(`${relative(root, path)}: ${(error as Error).message.split('\n')[0]}`);
      }
    }
  }
  return { checked, unformatted, errors };
}

export const lintSqlCommand = defineCommand({
  name: 'lint-sql',
  description: 'check that SQL files are formatted (sql-formatter, postgresql dialect)',
  options: [{ flags: '--fix', description: 'rewrite the files that are not' }],
  input: z.object({ fix: flag() }),
  run: (_session, input) => lintSql(process.cwd(), Boolean(input.fix)),
  render: (r) => ({
    stderr: [
      ...r.unformatted.map((f) => `not formatted: ${f} (run npm run pgphase -- lint-sql --fix)`),
      ...r.errors.map((e) => `cannot parse: ${e}`),
      `${r.checked} SQL file(s) checked`,
    ].join('\n'),
    exitCode: r.unformatted.length || r.errors.length ? EXIT.failed : EXIT.ok,
  }),
});
