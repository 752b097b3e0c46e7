/**
 * `pgphase report RUN --html FILE` on a real staging run (with a throttle period fed through
 * RunStats, as the health gate will): the page embeds the run's series (parsed back from its
 * JSON), fetches nothing (no URL at all), and in a real headless Chromium loads without a
 * console error with every chart drawn. And on a run that was throttled, paused with a reason,
 * interrupted (its runner process stopped) and resumed by another process: each of those events
 * is in the events table and marked on every time chart, and no partition is drawn running
 * across the interruption; its blue-green build's promote and retirement are read from
 * pgphase.bluegreen_versions, and once abandoned it reads ABANDONED. With PGPHASE_REPORT_SCREENSHOT=FILE, that page's screenshot is saved
 * there (docs/report-screenshot.png is one).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Charts } from '../../runner/report/reportCharts.js';
import { loadReportData, type ReportData } from '../../runner/report/reportData.js';
import { abandonRun } from '../../runner/ledger/control.js';
import { runPipeline } from '../../runner/run/runPipeline.js';
import { PHASES } from '../../runner/odds/phases.js';
import { RunStats } from '../../runner/run/stats.js';
import { findChromium, launchChromium } from '../support/chromium.js';
import { runCli, startCli } from '../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { until } from '../support/poll.js';
import { copyDefects, FIXTURE_PHASES_FILE, fixturePhases, setUpFixture } from '../support/runnerFixture.js';
import { sleep } from '../../runner/sleep.js';

const embedded = (html: string) => {
  const m = /<script type="application\/json" id="pgphase-report-data">([^<]*)<\/script>/.exec(html);
  if (!m) throw new Error('no embedded report data');
  return JSON.parse(m[1]!) as ReportData & { charts: Charts };
};

/** Opens the report in headless Chromium (skipping without one) and hands the page over; fails on any console error or network request. */
async function inChromium(file: string, skip: (reason: string) => void, look: (page: Page) => Promise<void>): Promise<void> {
  const found = findChromium();
  if ('reason' in found) {
    process.stderr.write(`SKIPPED the browser test of the HTML report: ${found.reason}\n`);
    skip(found.reason);
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
    await look(page);
    expect(problems).toEqual([]);
  } finally {
    await browser.close();
  }
}

/** Each chart's id, whether it was drawn, the share of its canvas inked, and the events it marked and shaded. */
const drawnCharts = (page: Page) =>
  page.$$eval('.chart', (els) =>
    els.map((el) => {
      const canvas = el.querySelector('canvas');
      const marks = { markers: el.getAttribute('data-markers'), shaded: el.getAttribute('data-shaded') };
      if (!canvas) return { id: el.id, drawn: el.getAttribute('data-drawn'), inked: 0, ...marks };
      const { width, height } = canvas;
      const pixels = canvas.getContext('2d')!.getImageData(0, 0, width, height).data;
      let inked = 0;
      for (let i = 3; i < pixels.length; i += 4) if (pixels[i]! > 0) inked++;
      return { id: el.id, drawn: el.getAttribute('data-drawn'), inked: inked / (width * height), ...marks };
    }),
  );

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
      for (const id of ['throughput', 'batch-size', 'retries'])
        expect(
          data.charts.time.find((c) => c.id === id)!.series.map((s) => s.label),
          id,
        ).toContain(label);
      expect(data.charts.time.find((c) => c.id === 'batch-time')!.series.map((s) => s.label)).toEqual(expect.arrayContaining([`${label} p50`, `${label} p95`]));
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
    await inChromium(
      file,
      (r) => ctx.skip(r),
      async (page) => {
        const charts = await drawnCharts(page);
        // The health chart is there when a heartbeat kept the gate's signals (a short run may end before one).
        expect(charts.map((c) => c.id).filter((id) => id !== 'chart-health')).toEqual([
          'chart-progress',
          'chart-throughput',
          'chart-batch-size',
          'chart-batch-time',
          'chart-retries',
          'chart-quarantine-time',
          'chart-timeline',
          'chart-workers',
          'chart-quarantine',
        ]);
        for (const c of charts) {
          expect(c.drawn, c.id).toBe('yes');
          expect(c.inked, c.id).toBeGreaterThan(0.005);
        }
      },
    );
  });
});

describe('the HTML report of a run throttled, paused, interrupted and resumed', () => {
  let db: TestDatabase;
  let dir: string;
  let file: string;
  let runId: string;
  const ROWS = 3_000;
  beforeAll(async () => {
    db = await createTestDatabase();
    dir = await mkdtemp(join(tmpdir(), 'pgphase-report-'));
    file = join(dir, 'events.html');
    await setUpFixture(db, ROWS);
    await db.query(`ALTER DATABASE ${db.name} SET fixture.sleep_ms = 40`);
    // The throttle query: true holds every worker of the run (a real throttle, through the gate).
    await db.query('CREATE TABLE fixture.gate (hold boolean NOT NULL); INSERT INTO fixture.gate VALUES (false)');
    const env = { DATABASE_URL: db.url, PGPHASE_PHASES: FIXTURE_PHASES_FILE };
    const batches = async () => (await db.query<{ n: number }>('SELECT coalesce(sum(batches), 0)::int AS n FROM pgphase.partitions'))[0]!.n;
    const state = async () => (await db.query<{ state: string }>(`SELECT state FROM pgphase.run_runners WHERE ended_at IS NULL`)).map((r) => r.state);
    const options = {
      url: db.url,
      phaseList: fixturePhases(),
      workers: 2,
      batch: { initial: 30, min: 10, max: 30, targetMs: 100 },
      health: { intervalMs: 50, throttleQuery: 'SELECT hold FROM fixture.gate' },
    };
    const first = new AbortController();
    const firstRun = runPipeline({ ...options, fresh: true, signal: first.signal });
    await until(async () => (await batches()) >= 6, 'the first batches', 60_000);
    await db.query('UPDATE fixture.gate SET hold = true');
    await until(async () => (await state()).includes('throttled'), 'the throttle');
    await sleep(1_000);
    // Paused while the throttle still holds it, so the run cannot finish while `pause` starts up
    // (a CLI process: seconds on a loaded machine); then the throttle query lets go.
    const paused = await runCli(['pause', '--reason', 'nightly backup'], env);
    expect(paused.code, paused.stderr).toBe(0);
    await db.query('UPDATE fixture.gate SET hold = false');
    await until(async () => (await state()).includes('paused'), 'the pause', 60_000);
    await sleep(500);
    first.abort(); // Ctrl-C: the runner process ends, the run stays resumable
    expect((await firstRun).status).not.toBe('done');
    await sleep(1_500); // no runner process alive: the interruption
    const secondRun = runPipeline({ ...options });
    await until(async () => (await state()).includes('paused'), 'the second process to hold on the pause', 60_000);
    await sleep(500);
    const resumed = await runCli(['resume'], env);
    expect(resumed.code, resumed.stderr).toBe(0);
    const report = await secondRun;
    expect(report.status).toBe('done');
    expect(await copyDefects(db)).toEqual({ missing: 0, duplicated: 0, copied: ROWS });
    runId = report.runId;
    const cli = await runCli(['report', runId, '--html', file], env);
    expect(cli.code, cli.stderr).toBe(0);
  }, 180_000);
  afterAll(async () => {
    await db.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('has each event with who and why, the interruption from the runner processes, and no lane across it', async () => {
    const data = embedded(await readFile(file, 'utf8'));
    const kinds = data.charts.events.map((e) => e.kind);
    expect(kinds).toEqual(expect.arrayContaining(['throttle', 'pause', 'interrupted', 'resume']));
    const pause = data.charts.events.find((e) => e.kind === 'pause')!;
    expect(pause.why).toMatch(/nightly backup/);
    expect(pause.actor).toBeTruthy();
    expect(data.charts.events.find((e) => e.kind === 'interrupted')!.why).toMatch(/interrupted/);
    expect(data.charts.throttle.map((t) => t.reason)).toContain('throttle query');
    expect(data.charts.interruptions).toHaveLength(1);
    const gap = data.charts.interruptions[0]!;
    expect(gap.end - gap.start).toBeGreaterThan(1);
    for (const lane of data.charts.timeline.lanes)
      for (const s of lane.segments) expect(s.end <= gap.start || s.start >= gap.end, `${lane.label} ${JSON.stringify(s)}`).toBe(true);
    expect(data.charts.progress).toMatchObject({ processed: ROWS, percent: 100 });
    // The gates' signals, kept with the heartbeats of both runner processes.
    expect(new Set(data.health.map((h) => h.runner)).size).toBe(2);
    expect(data.health.every((h) => h.activeBackends >= 0)).toBe(true);
    expect(data.run.status).toBe('done');
  });

  it('in headless Chromium: every chart drawn, each event in the table and marked on every time chart', async (ctx) => {
    await inChromium(
      file,
      (r) => ctx.skip(r),
      async (page) => {
        const charts = await drawnCharts(page);
        expect(charts.map((c) => c.id)).toEqual([
          'chart-progress',
          'chart-throughput',
          'chart-health',
          'chart-batch-size',
          'chart-batch-time',
          'chart-retries',
          'chart-timeline',
          'chart-workers',
        ]);
        for (const c of charts) {
          expect(c.drawn, c.id).toBe('yes');
          expect(c.inked, c.id).toBeGreaterThan(0.005);
          expect(c.markers?.split(' '), c.id).toEqual(expect.arrayContaining(['pause', 'resume']));
          expect(c.shaded?.split(' '), c.id).toEqual(['throttle', 'interrupted']);
        }
        const rows = await page.$$eval('#events tbody tr', (trs) => trs.map((tr) => tr.getAttribute('data-kind')));
        expect(rows).toEqual(expect.arrayContaining(['throttle', 'pause', 'interrupted', 'resume']));
        expect(await page.textContent('#events')).toMatch(/nightly backup/);
        const shot = process.env.PGPHASE_REPORT_SCREENSHOT;
        if (shot) await page.screenshot({ path: shot, fullPage: true });
      },
    );
  });

  it("has its blue-green build's promote and retirement from pgphase.bluegreen_versions, and reads ABANDONED once abandoned", async () => {
    await db.query(
      `INSERT INTO pgphase.bluegreen_versions (phase, run_id, state, output_schema, parked_schema, tables, promoted_at, retired_at)
       VALUES ('copy', $1::bigint, 'retired', 'fixture', 'fixture__run' || $1::text, '{}', now(), now() + interval '1 minute')`,
      [runId],
    );
    await db.query(`UPDATE pgphase.runs SET status = 'running', finished_at = NULL WHERE id = $1`, [runId]);
    const client = await db.pool.connect();
    try {
      await abandonRun(client, runId, 'ops@box');
      const data = await loadReportData(client, runId);
      expect(data.run.status).toBe('abandoned');
      expect(data.events.map((e) => [e.kind, e.actor])).toEqual(
        expect.arrayContaining([
          ['promote', null],
          ['retire', null],
          ['abandon', 'ops@box'],
        ]),
      );
    } finally {
      client.release();
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
