/** Runs the real `pgphase` CLI in a child process, as a deploy pipeline would. */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** This repository's CLI: the framework's commands plus the odds warehouse's (runner/odds/cli.ts). */
export const CLI = join(process.cwd(), 'runner', 'odds', 'cli.ts');

export function runCli(args: string[], env: Record<string, string | undefined> = {}, timeoutMs = 120_000): Promise<CliResult> {
  return startCli(args, env, timeoutMs).done;
}

/** Starts the CLI and returns the child (to kill it) and a promise of its result. */
export function startCli(args: string[], env: Record<string, string | undefined> = {}, timeoutMs = 120_000): { child: ChildProcess; done: Promise<CliResult> } {
  let child!: ChildProcess;
  const done = new Promise<CliResult>((resolve, reject) => {
    child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
      // CI: undefined — the child sees a developer's machine (embedded server allowed) unless the
      // test sets CI itself, whatever CI system runs the suite.
      env: { ...process.env, PGPHASE_LOG: 'json', CI: undefined, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
  return { child, done };
}
