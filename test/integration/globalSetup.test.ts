/**
 * The test setup (test/support/globalSetup.ts) stops the servers it started when it fails: run
 * against a migrations folder holding a broken migration, in a child process with its own
 * embedded PostgreSQL, it must reject with the migration's error and leave no server alive on its
 * data directory, neither right after the failure (in the child) nor once the child is gone.
 */
import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { postmastersUnder } from '../support/postmasters.js';

const PROBE = join(process.cwd(), 'test', 'fixtures', 'setup-probe', 'probe.ts');
const TSX = join(process.cwd(), 'node_modules', 'tsx', 'dist', 'loader.mjs');

function runProbe(cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, PGPHASE_TEST_NO_CONTAINERS: '1' };
    delete env.TEST_DATABASE_URL;
    delete env.DATABASE_URL;
    const child = spawn(process.execPath, ['--import', TSX, PROBE], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('test setup', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) {
      for (const p of postmastersUnder(dir)) process.kill(p.pid, 'SIGQUIT');
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('stops the server it started when the template migration fails, and rethrows the error', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgphase-setup-'));
    dirs.push(dir);
    await chmod(dir, 0o755); // reachable by the OS user postgres, so the data dir stays under it
    await mkdir(join(dir, 'migrations'));
    await mkdir(join(dir, 'procedures'));
    await writeFile(join(dir, 'migrations', '0001_broken.sql'), 'CREATE TABLE broken (id bigint,);\n');
    const result = await runProbe(dir);
    const report = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}') as { error?: string | null; alive?: unknown[] };
    expect(report.error, result.stderr).toMatch(/syntax error/);
    expect(report.alive).toEqual([]);
    expect(postmastersUnder(dir)).toEqual([]);
  });
});
