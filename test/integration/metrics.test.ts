/**
 * `/metrics` of a real staging run: scraped while the run is held up by a lock in another session
 * (so batches are retried with 55P03 and the scrape is surely mid-run), then at the end, where
 * every counter equals the ledger's. The alerting rules name only metrics that scrape serves.
 */
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPipeline } from '../../runner/run/runPipeline.js';
import { PHASES } from '../../runner/odds/phases.js';
import { RunStats } from '../../runner/run/stats.js';
import { runCli } from '../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { fixturePhases, setUpFixture } from '../support/runnerFixture.js';
import { freePort, metricNamesInDashboard, metricNamesInRules, parseScrape, type Scrape, scrape } from '../support/prometheus.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, check: () => Promise<Scrape | undefined>): Promise<Scrape> {
  for (let i = 0; i < 1200; i++) {
    const s = await check().catch(() => undefined);
    if (s) return s;
    await sleep(50);
  }
  throw new Error(`gave up waiting for ${what}`);
}

describe('Prometheus metrics of a run', () => {
  let db: TestDatabase;
  let final: Scrape;
  beforeAll(async () => {
    db = await createTestDatabase();
    await db.query('CALL pipeline.generate_sample(3000, 7, 0.1)');
  });
  afterAll(() => db.drop());

  it('are served during the run as Prometheus text, and their counters at the end equal the ledger', async () => {
    const blocker = new pg.Client({ connectionString: db.url });
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE staging.totals IN ACCESS EXCLUSIVE MODE');
    const url = `http://127.0.0.1:${await freePort()}/metrics`;
    const stats = new RunStats();
    const stop = new AbortController();
    const run = runPipeline({
      url: db.url,
      phaseList: PHASES,
      phases: ['staging'],
      workers: 2,
      fresh: true,
      stats,
      signal: stop.signal,
      metricsPort: Number(new URL(url).port),
      metricsLingerMs: 120_000,
      lockTimeoutMs: 100,
      batch: { initial: 300, min: 50, max: 2_000, targetMs: 200 },
      retry: { maxAttempts: 10_000, baseMs: 10, capMs: 50, deadlineMs: 110_000 },
    });
    try {
      // Mid-run: the totals step cannot commit while the lock is held, so the run is still going.
      const during = await until('a 55P03 retry', async () => {
        const s = await scrape(url);
        return s.samples('pgphase_batch_retries_total').some((r) => r.labels.sqlstate === '55P03') ? s : undefined;
      });
      expect(during.value('pgphase_run_status', { status: 'running' })).toBe(1);
      expect(during.value('pgphase_workers')).toBe(2);
      const inUse = during.value('pgphase_pool_connections_in_use');
      expect(inUse).toBeGreaterThanOrEqual(1);
      const [max] = await db.query<{ n: string }>(`SELECT current_setting('max_connections') AS n`);
      expect(during.value('pgphase_server_max_connections')).toBe(Number(max!.n));
      expect(during.value('pgphase_pool_connections_in_use_ratio')).toBeGreaterThan(0);
      // No health gate exists here yet: feed the throttle hook as the gate will.
      stats.throttled('replica_lag', 1_500);
      stats.throttled('replica_lag', 500);
    } finally {
      await blocker.query('COMMIT');
      await blocker.end();
    }
    final = await until('the run to end', async () => {
      const s = await scrape(url);
      return s.value('pgphase_run_status', { status: 'done' }) === 1 ? s : undefined;
    });
    stop.abort();
    const report = await run;
    expect(report.status).toBe('done');
    expect(final.value('pgphase_run_info', { run_id: report.runId, phases: 'staging' })).toBe(1);
    expect(final.value('pgphase_throttled_seconds_total', { reason: 'replica_lag' })).toBe(2);
    expect(final.value('pgphase_workers_busy')).toBe(0);

    const ledger = await db.query<{ phase: string; table: string; rows_in: string; staged: string; quarantined: string; batches: string; retries: string }>(
      `SELECT phase, source_table AS table, sum(rows_in)::text AS rows_in, sum(written)::text AS staged, sum(rejected)::text AS quarantined,
              sum(batches)::text AS batches, sum(retries)::text AS retries
         FROM pgphase.partitions WHERE run_id = $1 GROUP BY 1, 2 ORDER BY 2`,
      [report.runId],
    );
    expect(ledger).toHaveLength(4);
    for (const t of ledger) {
      const labels = { phase: t.phase, table: t.table };
      expect({
        table: t.table,
        rowsIn: final.value('pgphase_rows_in_total', labels),
        staged: final.value('pgphase_rows_staged_total', labels),
        quarantined: final.value('pgphase_rows_quarantined_total', labels),
      }).toEqual({ table: t.table, rowsIn: Number(t.rows_in), staged: Number(t.staged), quarantined: Number(t.quarantined) });
      expect(final.value('pgphase_batch_duration_seconds_count', labels)).toBe(Number(t.batches));
      expect(final.value('pgphase_batch_duration_seconds_bucket', { ...labels, le: '+Inf' })).toBe(Number(t.batches));
      expect(final.value('pgphase_batch_size', labels)).toBeGreaterThan(0);
    }
    expect(ledger.reduce((a, t) => a + Number(t.quarantined), 0)).toBeGreaterThan(0);
    // Retries by SQLSTATE: the ledger's per-partition error counts (no partition failed, so all retries).
    const errors = await db.query<{ table: string; sqlstate: string; n: number }>(
      `SELECT source_table AS table, e.key AS sqlstate, sum(e.value::int)::int AS n FROM pgphase.partitions, jsonb_each_text(errors) e
        WHERE run_id = $1 GROUP BY 1, 2`,
      [report.runId],
    );
    expect(errors.find((e) => e.table === 'raw.totals' && e.sqlstate === '55P03')?.n).toBeGreaterThan(0);
    const scraped = final.samples('pgphase_batch_retries_total').map((s) => ({ table: s.labels.table, sqlstate: s.labels.sqlstate, n: s.value }));
    const byKey = (a: { table?: string; sqlstate?: string }, b: { table?: string; sqlstate?: string }) =>
      `${a.table}${a.sqlstate}`.localeCompare(`${b.table}${b.sqlstate}`);
    expect(scraped.sort(byKey)).toEqual(errors.sort(byKey));
    expect(final.samples('pgphase_partition_errors_total')).toEqual([]);

    // The same batches are in pgphase.batch_samples, written with them; throttle periods too.
    const [samples] = await db.query<{ n: number; rows_in: number; retries: number }>(
      `SELECT count(*)::int AS n, sum(rows_in)::int AS rows_in, sum(retries)::int AS retries FROM pgphase.batch_samples WHERE run_id = $1`,
      [report.runId],
    );
    expect(samples).toEqual({
      n: ledger.reduce((a, t) => a + Number(t.batches), 0),
      rows_in: ledger.reduce((a, t) => a + Number(t.rows_in), 0),
      retries: ledger.reduce((a, t) => a + Number(t.retries), 0),
    });
    const throttles = await db.query<{ reason: string; ms: number }>(
      `SELECT reason, round(extract(epoch FROM ended_at - started_at) * 1000)::int AS ms FROM pgphase.throttle_events WHERE run_id = $1 ORDER BY ms`,
      [report.runId],
    );
    expect(throttles).toEqual([
      { reason: 'replica_lag', ms: 500 },
      { reason: 'replica_lag', ms: 1_500 },
    ]);
  });

  it('the alerting rules parse, and every metric they name is served by a real run', async () => {
    expect(final, 'needs the scrape of the test above').toBeDefined();
    const { alerts, names } = metricNamesInRules(await readFile('deploy/prometheus/pgphase-alerts.yml', 'utf8'));
    expect(alerts).toEqual(expect.arrayContaining(['PgphaseRunFailed', 'PgphaseQuarantineRateOverBudget', 'PgphaseThrottledTooLong', 'PgphaseNoProgress']));
    expect(names.size).toBeGreaterThan(5);
    expect([...names].filter((n) => !final.names.has(n))).toEqual([]);
    // And the check itself catches a name /metrics does not serve.
    const typo = metricNamesInRules('groups: [{name: x, rules: [{alert: X, expr: "rate(pgphase_rows_staged[5m]) > 0"}]}]');
    expect([...typo.names].filter((n) => !final.names.has(n))).toEqual(['pgphase_rows_staged']);
    expect(() => parseScrape('pgphase_rows_in_total{phase="x" 1\n')).toThrow(/not Prometheus text/);
  });

  it('the Grafana dashboard parses, and every metric its panels query is served by a real run', async () => {
    expect(final, 'needs the scrape of the first test').toBeDefined();
    const { panels, names } = metricNamesInDashboard(await readFile('deploy/grafana/pgphase.json', 'utf8'));
    expect(panels).toEqual(
      expect.arrayContaining(['Run status', 'Rows read per second, by phase and table', 'Quarantine rate, by table', 'Batch time p50 / p95, by table']),
    );
    expect(names.size).toBeGreaterThan(10);
    expect([...names].filter((n) => !final.names.has(n))).toEqual([]);
    const typo = metricNamesInDashboard(JSON.stringify({ panels: [{ title: 'x', targets: [{ expr: 'rate(pgphase_rows_read_total[$__rate_interval])' }] }] }));
    expect([...typo.names].filter((n) => !final.names.has(n))).toEqual(['pgphase_rows_read_total']);
  });

  it('a failed run ends with pgphase_run_status{status="failed"} and its errors by SQLSTATE equal the ledger', async () => {
    await setUpFixture(db, 3_000);
    await db.query(`UPDATE fixture.src SET v = 'boom' WHERE id = 1234`);
    const url = `http://127.0.0.1:${await freePort()}/metrics`;
    const stop = new AbortController();
    const run = runPipeline({
      url: db.url,
      phaseList: fixturePhases(),
      workers: 2,
      fresh: true,
      signal: stop.signal,
      metricsPort: Number(new URL(url).port),
      metricsLingerMs: 120_000,
      batch: { initial: 200, min: 50, max: 1_000, targetMs: 200 },
    });
    const end = await until('the run to fail', async () => {
      const s = await scrape(url);
      return s.value('pgphase_run_status', { status: 'failed' }) === 1 ? s : undefined;
    });
    stop.abort();
    const report = await run;
    expect(report.status).toBe('failed');
    expect(end.value('pgphase_run_status', { status: 'running' })).toBe(0);
    const failed = await db.query<{ sqlstate: string; n: number }>(
      `SELECT last_sqlstate AS sqlstate, count(*)::int AS n FROM pgphase.partitions WHERE run_id = $1 AND status = 'failed' GROUP BY 1`,
      [report.runId],
    );
    expect(failed).toEqual([{ sqlstate: 'P0001', n: 1 }]);
    expect(end.samples('pgphase_partition_errors_total').map((s) => ({ ...s.labels, n: s.value }))).toEqual([
      { phase: 'copy', table: 'fixture.src', sqlstate: 'P0001', n: 1 },
    ]);
    expect(end.value('pgphase_partition_failures_total', { phase: 'copy', table: 'fixture.src' })).toBe(1);
    const [rows] = await db.query<{ n: number }>(`SELECT sum(rows_in)::int AS n FROM pgphase.partitions WHERE run_id = $1`, [report.runId]);
    expect(end.value('pgphase_rows_in_total', { phase: 'copy', table: 'fixture.src' })).toBe(rows!.n);
  });

  it('a taken --metrics-port is a usage error before any work', async () => {
    const taken = createServer().listen(0, '127.0.0.1');
    await new Promise((r) => taken.once('listening', r));
    const runs = async () => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM pgphase.runs'))[0]!.n;
    const before = await runs();
    try {
      const port = (taken.address() as { port: number }).port;
      const result = await runCli(['run', 'staging', '--metrics-port', String(port)], { DATABASE_URL: db.url });
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(new RegExp(`^error: cannot serve metrics on 127\\.0\\.0\\.1:${port}: the port is in use$`, 'm'));
      expect(result.stderr).toMatch(/^hint: Pick a free port with --metrics-port/m);
      expect(await runs()).toBe(before);
    } finally {
      taken.close();
    }
  });
});
