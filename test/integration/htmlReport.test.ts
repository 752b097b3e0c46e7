/**
 * `pgphase report RUN --html FILE` on a real staging run (with a throttle period fed through
 * RunStats, as the health gate will): the page embeds the run's series (parsed back from its
 * JSON), fetches nothing (no URL at all), and in a real headless Chromium loads without a
 * console error with every chart drawn.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Charts } from '../../runner/report/reportCharts.js';
import type { ReportData } from '../../runner/report/reportData.js';
import { runPipeline } from '../../runner/run/runPipeline.js';
import { PHASES } from '../../runner/odds/phases.js';
import { RunStats } from '../../runner/run/stats.js';
import { findChromium, launchChromium } from '../support/chromium.js';
import { runCli, startCli } from '../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { FIXTURE_PHASES_FILE, setUpFixture } from '../support/runnerFixture.js';

const embedded = (html: string) => {
  const m = /<script type="application\/json" id="pgphase-report-data">([^<]*)<\/script>/.exec(html);
  if (!m) throw new Error('no embedded report data');
  return JSON.parse(m[1]!) as ReportData & { charts: Charts };
};

describe('the HTML report of a run', () => {
  let db: TestDatabase;
  let dir: string;
  let file: string;
  let runId: string;
  beforeAll(async () => {
    db = await createTestDatabase();
    dir = await mkdtemp(join(tmpdir(), 'pgphase-report-'));
    file = join(dir, 'run.html');
    await db.query('CALL pipeline.generate_sample(4000, 5, 0.1)');
    const stats = new RunStats();
    let fed = false;
    stats.onRows(() => {
      if (fed) return;
      fed = true;
      stats.throttled('replica_lag', 800);
    });
    const report = await runPipeline({
      url: db.url,
      phaseList: PHASES,
      phases: ['staging'],
      workers: 2,
      fresh: true,
      stats,
      batch: { initial: 200, min: 50, max: 1_000, targetMs: 100 },
    });
    expect(report.status).toBe('done');
    runId = report.runId;
    const cli = await runCli(['report', runId, '--html', file], { DATABASE_URL: db.url });
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout).toMatch(new RegExp(`^wrote the report of run ${runId} \\(\\d+ batches\\) to `));
  });
  afterAll(async () => {
    await db.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it("embeds the run's series from the ledger and references no URL", async () => {
    const html = await readFile(file, 'utf8');
    const data = embedded(html);
    expect(data.run).toMatchObject({ id: runId, status: 'done', phases: ['staging'] });
    const ledger = await db.query<{ table: string; rows_in: number; batches: number; partitions: number }>(
      `SELECT source_table AS table, sum(rows_in)::int AS rows_in, sum(batches)::int AS batches, count(*)::int AS partitions
         FROM pgphase.partitions WHERE run_id = $1 GROUP BY 1 ORDER BY 1`,
      [runId],
    );
    expect(ledger).toHaveLength(4);
    for (const t of ledger) {
      const mine = data.samples.filter((s) => s.table === t.table);
      expect({ table: t.table, rows: mine.reduce((a, s) => a + s.rows, 0), batches: mine.length }).toEqual({
        table: t.table,
        rows: t.rows_in,
        batches: t.batches,
      });
      const label = `staging · ${t.table}`;
      for (const chart of data.charts.time)
        expect(
          chart.series.map((s) => s.label),
          chart.id,
        ).toContain(label);
      const throughput = data.charts.time.find((c) => c.id === 'throughput')!.series.find((s) => s.label === label)!;
      expect(throughput.values.some((v) => (v ?? 0) > 0)).toBe(true);
    }
    expect(data.charts.timeline.lanes).toHaveLength(ledger.reduce((a, t) => a + t.partitions, 0));
    expect(data.charts.throttle).toHaveLength(1);
    expect(data.charts.throttle[0]).toMatchObject({ reason: 'replica_lag' });
    expect(data.charts.throttle[0]!.end - data.charts.throttle[0]!.start).toBeCloseTo(0.8, 3);
    const quarantine = await db.query<{ reason: string; table: string; rows: number }>(
      `SELECT reason_code AS reason, source_table AS table, count(*)::int AS rows FROM pgphase.quarantine WHERE run_id = $1 GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2`,
      [runId],
    );
    expect(quarantine.length).toBeGreaterThan(0);
    expect(data.quarantine).toEqual(quarantine);
    expect(data.charts.quarantine.series.flatMap((q) => q.rows).reduce<number>((a, n) => a + (n ?? 0), 0)).toBe(quarantine.reduce((a, q) => a + q.rows, 0));
    // Self-contained: uPlot inlined, nothing to fetch, not even a link.
    expect(html).toContain('uPlot');
    expect(html).not.toMatch(/[a-z]+:\/\//i);
    expect(html).not.toMatch(/\s(src|href)\s*=/i);
    expect(html).toMatch(/Content-Security-Policy" content="default-src 'none'/);
  });

  it("without --html prints the run's stored summary", async () => {
    const cli = await runCli(['report', runId], { DATABASE_URL: db.url });
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout).toMatch(new RegExp(`^run ${runId}: done, 2 worker\\(s\\)`));
    expect(cli.stdout).toMatch(/^ {2}staging +\d+ rows in, \d+ written/m);
  });

  it('a run id that does not exist is a usage error', async () => {
    const cli = await runCli(['report', '987654321', '--html', join(dir, 'none.html')], { DATABASE_URL: db.url });
    expect(cli.code).toBe(2);
    expect(cli.stderr).toMatch(/^error: run 987654321 does not exist$/m);
    expect(cli.stderr).toMatch(/^hint: /m);
  });

  it('loads in headless Chromium with no console error and every chart drawn', async (ctx) => {
    const found = findChromium();
    if ('reason' in found) {
      process.stderr.write(`SKIPPED the browser test of the HTML report: ${found.reason}\n`);
      ctx.skip(found.reason);
      return;
    }
    const browser = await launchChromium(found.path);
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      const problems: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
      });
      page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
      page.on('request', (r) => {
        if (!r.url().startsWith('file:')) problems.push(`request: ${r.url()}`);
      });
      await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
      const charts = await page.$$eval('.chart', (els) =>
        els.map((el) => {
          const canvas = el.querySelector('canvas');
          if (!canvas) return { id: el.id, drawn: el.getAttribute('data-drawn'), inked: 0 };
          const { width, height } = canvas;
          const pixels = canvas.getContext('2d')!.getImageData(0, 0, width, height).data;
          let inked = 0;
          for (let i = 3; i < pixels.length; i += 4) if (pixels[i]! > 0) inked++;
          return { id: el.id, drawn: el.getAttribute('data-drawn'), inked: inked / (width * height) };
        }),
      );
      expect(problems).toEqual([]);
      expect(charts.map((c) => c.id)).toEqual([
        'chart-throughput',
        'chart-batch-size',
        'chart-batch-time',
        'chart-retries',
        'chart-timeline',
        'chart-quarantine',
      ]);
      for (const c of charts) {
        expect(c.drawn, c.id).toBe('yes');
        expect(c.inked, c.id).toBeGreaterThan(0.005);
      }
    } finally {
      await browser.close();
    }
  });
});

describe('the HTML report of a run shared by two runner processes', () => {
  let db: TestDatabase;
  let dir: string;
  beforeAll(async () => {
    db = await createTestDatabase();
    dir = await mkdtemp(join(tmpdir(), 'pgphase-report-'));
    await setUpFixture(db, 20_000);
    // Slow enough (100 batches of at least 100 ms) that the second process, however slow to start, joins in.
    await db.query(`ALTER DATABASE ${db.name} SET fixture.sleep_ms = 100`);
  });
  afterAll(async () => {
    await db.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('has the batches of both, from the ledger', async () => {
    const env = { DATABASE_URL: db.url, PGPHASE_PHASES: FIXTURE_PHASES_FILE };
    const args = ['run', '--json', '--workers', '1', '--batch-initial', '100', '--batch-max', '200'];
    const first = startCli(args, env);
    for (let i = 0; i < 600; i++) {
      const [p] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM pgphase.partitions WHERE status = 'running'`);
      if (p!.n > 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const second = await runCli(args, env);
    const done = await first.done;
    expect([done.code, second.code], `${done.stderr}\n${second.stderr}`).toEqual([0, 0]);
    const runIds = [done, second].map((r) => (JSON.parse(r.stdout) as { runId: string }).runId);
    expect(runIds[1]).toBe(runIds[0]);
    const file = join(dir, 'shared.html');
    const cli = await runCli(['report', runIds[0]!, '--html', file], { DATABASE_URL: db.url });
    expect(cli.code, cli.stderr).toBe(0);
    const data = embedded(await readFile(file, 'utf8'));
    const runners = new Set(data.samples.map((s) => s.worker.split(':').slice(0, 3).join(':')));
    expect(runners.size).toBe(2);
    const [ledger] = await db.query<{ batches: number; rows: number }>(
      `SELECT sum(batches)::int AS batches, sum(rows_in)::int AS rows FROM pgphase.partitions WHERE run_id = $1`,
      [runIds[0]],
    );
    expect({ batches: data.samples.length, rows: data.samples.reduce((a, s) => a + s.rows, 0) }).toEqual(ledger);
    expect(ledger!.rows).toBe(20_000);
  });
});
