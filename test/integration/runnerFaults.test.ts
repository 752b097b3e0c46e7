/**
 * Process-level faults: a runner killed with SIGKILL mid-run and started again, and the server
 * restarted under a running runner. The fixture's destination has no unique key, so a batch
 * applied twice would show up as a duplicate row.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../runner/config.js';
import { startEmbedded, type EmbeddedServer } from '../../runner/db/embedded.js';
import { migrate } from '../../runner/migrate/migrate.js';
import { runPipeline } from '../../runner/run/runPipeline.js';
import { startCli } from '../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { copyDefects, FIXTURE_PHASES_FILE, fixturePhases, setUpFixture } from '../support/runnerFixture.js';

const ROWS = 20_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function copiedSoFar(db: TestDatabase): Promise<number> {
  const [r] = await db.query<{ n: number }>(`SELECT coalesce(sum(rows_in), 0)::int AS n FROM pgphase.partitions`);
  return r!.n;
}

describe('a runner killed with SIGKILL mid-run', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
    await setUpFixture(db, ROWS);
    await db.query(`ALTER DATABASE ${db.name} SET fixture.sleep_ms = 20`);
  });
  afterAll(() => db.drop());

  it('is resumed by the next `pgphase run`, which finishes with every row copied exactly once', async () => {
    // A short lease: the dead process's partitions are taken over 3 s after its last heartbeat.
    const env = { DATABASE_URL: db.url, PGPHASE_PHASES: FIXTURE_PHASES_FILE, PGPHASE_LEASE: '3s' };
    const args = ['run', '--workers', '2', '--json', '--batch-initial', '100', '--batch-min', '50', '--batch-max', '100', '--target-ms', '100'];
    const first = startCli(args, env);
    for (let i = 0; i < 300 && (await copiedSoFar(db)) < ROWS / 5; i++) await sleep(50);
    first.child.kill('SIGKILL');
    const killed = await first.done;
    expect(killed.code).toBeNull();
    const midway = await copiedSoFar(db);
    expect(midway).toBeGreaterThan(0);
    expect(midway).toBeLessThan(ROWS);
    const [{ running }] = (await db.query<{ running: number }>(`SELECT count(*)::int AS running FROM pgphase.partitions WHERE status = 'running'`)) as [
      { running: number },
    ];
    expect(running).toBeGreaterThan(0); // claimed by the dead process, to be reclaimed

    await db.query(`ALTER DATABASE ${db.name} SET fixture.sleep_ms = 0`);
    const second = await startCli(args, env).done;
    expect(second.code, second.stderr).toBe(0);
    const report = JSON.parse(second.stdout) as { resumed: boolean; status: string; phases: { rowsIn: number }[] };
    expect(report).toMatchObject({ resumed: true, status: 'done' });
    expect(report.phases[0]!.rowsIn).toBe(ROWS);
    expect(await copyDefects(db)).toEqual({ missing: 0, duplicated: 0, copied: ROWS });
    const runs = await db.query(`SELECT id FROM pgphase.runs`);
    expect(runs).toHaveLength(1);

    // The stored report is what `pgphase status` shows.
    const status = await startCli(['status', '--json'], env).done;
    const s = JSON.parse(status.stdout) as { runs: { status: string; partitions: { running: number }; report: { rowsIn: number } }[] };
    expect(s.runs[0]).toMatchObject({ status: 'done', partitions: { running: 0 }, report: { rowsIn: ROWS } });
    const text = await startCli(['status'], env).done;
    expect(text.stdout).toMatch(/run \d+ \[copy\] DONE/);
  });
});

describe('the server restarted mid-run', () => {
  let dir: string;
  let server: EmbeddedServer;
  let port: number;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pgphase-restart-'));
    server = await startEmbedded({ dataDir: join(dir, 'pgdata'), durable: false });
    port = server.port;
  });
  afterAll(async () => {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('costs retries, not rows: the run finishes with every row copied exactly once', async () => {
    const url = server.url;
    await migrate({ url, config: parseConfig({ databaseUrl: url }) });
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const db = { name: 'postgres', query: async (sql: string, p?: unknown[]) => (await client.query(sql, p)).rows } as unknown as TestDatabase;
    await setUpFixture(db, ROWS);
    await client.query(`ALTER DATABASE postgres SET fixture.sleep_ms = 30`);
    await client.end();

    const pending = runPipeline({
      url,
      phaseList: fixturePhases(),
      workers: 2,
      batch: { initial: 100, min: 50, max: 100, targetMs: 100 },
      retry: { maxAttempts: 30, baseMs: 100, capMs: 1_000, deadlineMs: 60_000 },
    });
    const probe = new pg.Client({ connectionString: url });
    await probe.connect();
    for (let i = 0; i < 400; i++) {
      const { rows } = await probe.query<{ n: number }>(`SELECT coalesce(sum(rows_in), 0)::int AS n FROM pgphase.partitions`);
      if (rows[0]!.n >= ROWS / 10) break;
      await sleep(25);
    }
    await probe.end();
    await server.stop();
    await sleep(1_000);
    server = await startEmbedded({ dataDir: join(dir, 'pgdata'), durable: false, port });
    const report = await pending;

    const check = new pg.Client({ connectionString: server.url });
    await check.connect();
    const checkDb = { query: async (sql: string, p?: unknown[]) => (await check.query(sql, p)).rows } as unknown as TestDatabase;
    try {
      expect(report.status).toBe('done');
      expect(report.phases[0]!.retries).toBeGreaterThan(0);
      expect(await copyDefects(checkDb)).toEqual({ missing: 0, duplicated: 0, copied: ROWS });
    } finally {
      await check.end();
    }
  });
});
