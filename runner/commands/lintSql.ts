/**
 * `lint-sql`: every SQL file must be formatted as sql-formatter formats it (PostgreSQL dialect,
 * upper-case keywords). sql-formatter leaves `$$` bodies byte-identical, so PL/pgSQL bodies keep
 * their hand layout and only the statements around them are normalised. `--fix` rewrites files.
 */
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { Command } from 'commander';
import { format } from 'sql-formatter';
import { EXIT } from '../errors.js';

export const SQL_DIRS = ['migrations', 'procedures', 'sql', 'runner/framework/schema'];

export function formatSql(text: string): string {
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

export function registerLintSql(program: Command, setExit: (code: number) => void): void {
  program
    .command('lint-sql')
    .description('check that SQL files are formatted (sql-formatter, postgresql dialect)')
    .option('--fix', 'rewrite the files that are not')
    .action(async (opts: { fix?: boolean }) => {
      const result = await lintSql(process.cwd(), Boolean(opts.fix));
      for (const f of result.unformatted) process.stderr.write(`not formatted: ${f} (run npm run pgphase -- lint-sql --fix)\n`);
      for (const e of result.errors) process.stderr.write(`cannot parse: ${e}\n`);
      process.stderr.write(`${result.checked} SQL file(s) checked\n`);
      setExit(result.unformatted.length || result.errors.length ? EXIT.failed : EXIT.ok);
    });
}
