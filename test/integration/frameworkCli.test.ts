/**
 * The line between framework and application, through the real CLIs: the framework's own entry
 * (runner/cli/main.ts, what the package installs) has no odds commands and no phases of its own;
 * the repository's entry (runner/odds/cli.ts) adds `demo`, `generate` and the odds phases.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

/** tsx from this repository: the temporary folder the CLI runs in has no node_modules. */
const TSX = pathToFileURL(join(process.cwd(), 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
const dir = mkdtempSync(join(tmpdir(), 'pgphase-framework-'));
const cli = (entry: string, args: string[]) => {
  const r = spawnSync(process.execPath, ['--import', TSX, join(process.cwd(), entry), ...args], {
    cwd: dir,
    env: { ...process.env, PGPHASE_PHASES: undefined, PGPHASE_CONFIG: undefined, DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none', PGPHASE_LOG: 'json' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

describe('framework and application CLIs', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the framework CLI without a phases file: run says to configure phases (exit 2, before connecting); no demo command', () => {
    const run = cli('runner/cli/main.ts', ['run']);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(/^error: no phases: set "phases" in pgphase\.config\.json \(or PGPHASE_PHASES\) to a phases file$/m);
    expect(run.stderr).toMatch(/^hint: Scaffold a phase with `pgphase new phase/m);
    const help = cli('runner/cli/main.ts', ['--help']);
    expect(help.stdout).toMatch(/^ {2}run /m);
    expect(help.stdout).not.toMatch(/^ {2}(demo|generate) /m);
  });

  it('the odds CLI adds demo and generate, and knows the odds phases', () => {
    const help = cli('runner/odds/cli.ts', ['--help']);
    expect(help.stdout).toMatch(/^ {2}demo /m);
    expect(help.stdout).toMatch(/^ {2}generate /m);
    const run = cli('runner/odds/cli.ts', ['run', 'nope']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error: unknown phase "nope"; known phases: staging, curated$/m);
  });
});
