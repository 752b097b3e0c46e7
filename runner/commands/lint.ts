/**
 * `pgphase lint`: squawk over the migrations (see lint/squawk.ts). Exit 1 on a finding. Needs no
 * database; `migrate --check` lints only the pending ones.
 */
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { type CommandContext, makeContext, type GlobalFlags } from '../cli/context.js';
import { EXIT } from '../errors.js';
import { formatFindings, type LintFinding, lintMigrations, squawkConfigFor } from '../lint/squawk.js';
import type { MigrationFile } from '../migrate/migrationFile.js';
import { readMigrationsFrom } from '../migrate/readMigrationsFrom.js';

/** The folder that holds the project's squawk.toml: the config file's, else the working directory. */
export function projectRoot(ctx: CommandContext): string {
  return ctx.loaded.file ? dirname(ctx.loaded.file) : process.cwd();
}

export function lintFiles(ctx: CommandContext, files: readonly MigrationFile[]): LintFinding[] {
  return lintMigrations(files, { config: squawkConfigFor(projectRoot(ctx)) });
}

/** Prints findings (or `--json`) and returns the exit code: 1 when there is any. */
export function reportFindings(findings: readonly LintFinding[], checked: number, json: boolean | undefined): number {
  if (json) process.stdout.write(`${JSON.stringify({ checked, findings })}\n`);
  else if (findings.length) process.stdout.write(`${formatFindings(findings)}\n${findings.length} finding(s) in ${checked} migration(s)\n`);
  else process.stdout.write(`${checked} migration(s) checked: no findings\n`);
  return findings.length ? EXIT.failed : EXIT.ok;
}

export function registerLint(program: Command, setExit: (code: number) => void): void {
  program
    .command('lint')
    .description('check migrations with squawk (Up sections; rules pgphase enforces itself are off in squawk.toml); exit 1 on a finding')
    .option('--json', 'print the findings as JSON on stdout')
    .action(async (opts: { json?: boolean }) => {
      const ctx = makeContext(program.opts<GlobalFlags>());
      const files = await readMigrationsFrom(ctx.config);
      setExit(reportFindings(lintFiles(ctx, files), files.length, opts.json));
    });
}
