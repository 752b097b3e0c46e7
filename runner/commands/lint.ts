/**
 * `pgphase lint`: squawk over the migrations (see lint/squawk.ts). Exit 1 on a finding. Needs no
 * database; `migrate --check` lints only the pending ones.
 */
import { z } from 'zod';
import { EXIT } from '../errors.js';
import { formatFindings, type LintFinding, lintMigrations, squawkConfigFor } from '../lint/squawk.js';
import type { MigrationFile } from '../migrate/migrationFile.js';
import { readMigrationsFrom } from '../migrate/readMigrationsFrom.js';
import { projectRoot, type Session } from '../session.js';
import { flag } from './flags.js';
import { defineCommand, type Rendered } from './spec.js';

export interface LintResult {
  readonly checked: number;
  readonly findings: LintFinding[];
}

export function lintFiles(session: Session, files: readonly MigrationFile[]): LintResult {
  return { checked: files.length, findings: lintMigrations(files, { config: squawkConfigFor(projectRoot(session)) }) };
}

/** Findings (or `--json`) as text, and the exit code: 1 when there is any. */
export function renderFindings({ checked, findings }: LintResult, json: boolean | undefined): Rendered {
  const stdout = json
    ? JSON.stringify({ checked, findings })
    : findings.length
      ? `${formatFindings(findings)}\n${findings.length} finding(s) in ${checked} migration(s)`
      : `${checked} migration(s) checked: no findings`;
  return { stdout, exitCode: findings.length ? EXIT.failed : EXIT.ok };
}

export const lintCommand = defineCommand({
  name: 'lint',
  description: 'check migrations with squawk (Up sections; rules pgphase enforces itself are off in squawk.toml); exit 1 on a finding',
  options: [{ flags: '--json', description: 'print the findings as JSON on stdout' }],
  input: z.object({ json: flag() }),
  run: async (session) => lintFiles(session, await readMigrationsFrom(session.config)),
  render: (r, input) => renderFindings(r, input.json),
});
