/**
 * Migration lint with squawk (squawk-cli, its binary from an optional dependency: no network).
 * Only a migration's Up section is linted (its Down section is blanked, line numbers kept), with
 * `--assume-in-transaction` unless the file is `-- no-transaction`, under a squawk config: the
 * project's `squawk.toml` when it has one, else the one pgphase ships (which turns off the rules
 * pgphase enforces itself, each with its reason). Ignore a finding with a comment line
 * `-- squawk-ignore <rule>` right above the statement, and a line saying why above that.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PgphaseError, UsageError } from '../errors.js';
import { type MigrationFile, sections } from '../migrate/migrationFile.js';

/** squawk.toml shipped with pgphase: two levels up from runner/lint/ and from dist/lint/. */
export const BUNDLED_SQUAWK_CONFIG = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'squawk.toml');

export interface LintFinding {
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  readonly column: number;
  readonly rule: string;
  readonly message: string;
  readonly help: string | null;
}

function squawkBin(): string {
  try {
    return join(dirname(createRequire(import.meta.url).resolve('squawk-cli/package.json')), 'js', 'bin', 'squawk');
  } catch (error) {
    throw new PgphaseError('squawk-cli is not installed', { cause: error, hint: 'Install it next to pgphase: npm i -D squawk-cli@2.66.0' });
  }
}

/** The Up section alone: every other character blanked, so squawk's line numbers are the file's. */
export function upSectionOnly(text: string): string {
  const [from, to] = sections(text).up;
  const blank = (t: string) => t.replace(/[^\n]/g, ' ');
  return blank(text.slice(0, from)) + text.slice(from, to) + blank(text.slice(to));
}

export function squawkConfigFor(projectRoot: string): string {
  const own = join(projectRoot, 'squawk.toml');
  return existsSync(own) ? own : BUNDLED_SQUAWK_CONFIG;
}

/** Lints the files; returns every finding (empty: clean). */
export function lintMigrations(files: readonly MigrationFile[], options: { config: string; cwd?: string }): LintFinding[] {
  const bin = squawkBin();
  const findings: LintFinding[] = [];
  for (const file of files) {
    const shown = relative(options.cwd ?? process.cwd(), file.path);
    const args = [bin, '-c', options.config, '--reporter', 'json', '--stdin-filepath', shown];
    if (!file.noTransaction) args.push('--assume-in-transaction');
    const result = spawnSync(process.execPath, args, { input: upSectionOnly(file.text), encoding: 'utf8' });
    if (result.error || (result.status !== 0 && result.status !== 1)) {
      throw new PgphaseError(`squawk failed on ${shown}: ${result.error?.message ?? result.stderr.trim()}`, {
        hint: 'Check the squawk config file; run `npx squawk --version`.',
      });
    }
    let parsed: { line: number; column: number; rule_name: string; message: string; help: string | null }[];
    try {
      parsed = JSON.parse(result.stdout || '[]');
    } catch {
      throw new UsageError(`squawk could not read ${shown}: ${result.stdout.slice(0, 200)}`);
    }
    for (const f of parsed) findings.push({ file: shown, line: f.line + 1, column: f.column + 1, rule: f.rule_name, message: f.message, help: f.help });
  }
  return findings;
}

export function formatFindings(findings: readonly LintFinding[]): string {
  return findings.map((f) => `${f.file}:${f.line}:${f.column}: ${f.rule}: ${f.message}${f.help ? ` (${f.help})` : ''}`).join('\n');
}
