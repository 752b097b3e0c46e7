/**
 * Ctrl-C as a terminal sends it: SIGINT to the CLI's whole process group, while `pgphase run`
 * works on its own embedded PostgreSQL. The server (in its own process group) keeps running, the
 * batches in flight commit, no 57P01 (admin shutdown) retry is logged, the exit code is 130;
 * `status` then shows the run as interrupted and resumable, and resuming it loses nothing.
 * Also through `npm run`.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbedded } from '../../runner/db/embedded.js';
import { CLI, runCli } from '../support/cli.js';
import { until } from '../support/poll.js';
import { FIXTURE_PHASES_FILE } from '../support/runnerFixture.js';

const ROWS = 3_000;

describe('Ctrl-C', () => {
  const home = mkdtempSync(join(tmpdir(), 'pgphase-sigint-'));
  chmodSync(home, 0o755);
  const env: Record<string, string | undefined> = { PGPHASE_HOME: home, PGPHASE_PHASES: FIXTURE_PHASES_FILE, DATABASE_URL: undefined };

  /** Runs `fn` on the project's embedded server (started here, stopped after). */
  async function onServer<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
    const server = await startEmbedded({ dataDir: join(home, 'pgdata'), durable: false });
    const client = new pg.Client({ connectionString: server.url });
    await client.connect();
    try {
      return await fn(client);
    } finally {
      await client.end();
      await server.stop();
    }
  }

  beforeAll(async () => {
    const migrated = await runCli(['migrate'], env);
    expect(migrated.code, migrated.stderr).toBe(0);
    await onServer(async (c) => {
      await c.query(readFileSync(join(process.cwd(), 'test', 'fixtures', 'runner', 'setup.sql'), 'utf8'));
      await c.query(`INSERT INTO fixture.src (id, v) SELECT i, 'v' || i FROM generate_series(1, ${ROWS}) i`);
      await c.query(`ALTER DATABASE postgres SET fixture.sleep_ms = 300`);
    });
  });
  afterAll(async () => {
    await onServer(async () => {}).catch(() => {});
  });

  /** Starts a command in its own process group, as a shell starts a foreground job. */
  function startJob(command: string, args: string[]) {
    const child = spawn(command, args, {
      env: { ...process.env, PGPHASE_LOG: 'json', CI: undefined, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stderr = '';
    child.stdout!.on('data', () => {});
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    // A shell reports 128 + 2 = 130 both for `exit 130` and for a death by SIGINT (how npm ends).
    const done = new Promise<{ code: number | null; stderr: string }>((resolve) =>
      child.on('close', (code, signal) => resolve({ code: signal === 'SIGINT' ? 130 : code, stderr })),
    );
    return { child, done, stderr: () => stderr };
  }

  async function interruptMidRun(command: string, args: string[]) {
    const job = startJob(command, args);
    await until(
      async () => /"msg":"(starting|resuming) run/.test(job.stderr()) && (await new Promise((r) => setTimeout(r, 1_500, true))),
      'the run to start',
      60_000,
    );
    process.kill(-job.child.pid!, 'SIGINT'); // the whole group, as a terminal does
    const result = await job.done;
    expect(result.stderr).not.toMatch(/57P01/);
    expect(result.stderr).toMatch(/stopping after the current batches/);
    expect(result.code, result.stderr).toBe(130);
    const status = await runCli(['status'], env);
    expect(status.stdout).toMatch(/\[copy\] INTERRUPTED .*\n {4}no runner process is alive .*resume with `pgphase run copy`/);
    expect(status.code).toBe(1);
  }

  it('lets the batches in flight commit, exits 130, and the run resumes with nothing lost', async () => {
    await interruptMidRun(process.execPath, ['--import', 'tsx', CLI, 'run', '--workers', '2', '--batch-initial', '100', '--batch-max', '100']);
    const resumed = await runCli(['run', '--json', '--workers', '2'], env);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ resumed: true, status: 'done' });
    const copied = await onServer(async (c) => (await c.query(`SELECT count(*)::int AS n, count(DISTINCT src_id)::int AS d FROM fixture.dst`)).rows[0]);
    expect(copied).toEqual({ n: ROWS, d: ROWS });
  });

  it('does the same when started through `npm run`', async () => {
    await onServer((c) => c.query('TRUNCATE fixture.dst'));
    await interruptMidRun('npm', ['run', '--silent', 'pipeline', '--', '--new', '--workers', '2', '--batch-initial', '100', '--batch-max', '100']);
  });

  it('stops at once on a second Ctrl-C, and still loses nothing', async () => {
    await onServer(async (c) => {
      await c.query('TRUNCATE fixture.dst');
      await c.query(`ALTER DATABASE postgres SET fixture.sleep_ms = 20000`); // batches that outlast the test's patience
    });
    const job = startJob(process.execPath, ['--import', 'tsx', CLI, 'run', '--new', '--abandon', '--workers', '2']); // the npm test's run is left interrupted
    await until(async () => /"msg":"starting run/.test(job.stderr()) && (await new Promise((r) => setTimeout(r, 1_500, true))), 'the run to start', 60_000);
    process.kill(-job.child.pid!, 'SIGINT');
    await until(async () => /letting the batches in flight commit/.test(job.stderr()), 'the first Ctrl-C to be heard');
    await new Promise((r) => setTimeout(r, 1_200)); // a second keypress, not an echo of the first
    process.kill(-job.child.pid!, 'SIGINT');
    const result = await job.done;
    expect(result.stderr).toMatch(/pgphase: SIGINT, stopping now/);
    expect(result.code, result.stderr).toBe(130);
    await onServer((c) => c.query(`ALTER DATABASE postgres RESET fixture.sleep_ms`));
    const resumed = await runCli(['run', '--json', '--workers', '2'], env);
    expect(resumed.code, resumed.stderr).toBe(0);
    const copied = await onServer(async (c) => (await c.query(`SELECT count(*)::int AS n, count(DISTINCT src_id)::int AS d FROM fixture.dst`)).rows[0]);
    expect(copied).toEqual({ n: ROWS, d: ROWS });
  });
});
