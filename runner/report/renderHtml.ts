/**
 * One self-contained HTML page for a run: uPlot's JS and CSS (from node_modules, with its MIT
 * licence) and the drawing script inlined, the data embedded as JSON in
 * `<script type="application/json" id="pgphase-report-data">`, and a Content-Security-Policy
 * that forbids every network load, so the page opens offline and fetches nothing.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Charts } from './reportCharts.js';
import type { ReportData } from './reportData.js';

const require = createRequire(import.meta.url);
const HERE = dirname(fileURLToPath(import.meta.url));

const escapeHtml = (s: unknown) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
/** JSON safe inside a <script> element: no `</script>`, no `<!--`. */
const scriptJson = (value: unknown) =>
  JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
const when = (ms: number | null) =>
  ms === null
    ? '—'
    : new Date(ms)
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, ' UTC');

async function uplotAssets(): Promise<{ js: string; css: string; licence: string }> {
  const dist = dirname(require.resolve('uplot/dist/uPlot.iife.min.js'));
  const [js, css, licence] = await Promise.all([
    readFile(join(dist, 'uPlot.iife.min.js'), 'utf8'),
    readFile(join(dist, 'uPlot.min.css'), 'utf8'),
    readFile(join(dist, '..', 'LICENSE'), 'utf8'),
  ]);
  // The banner names the project's home page; the licence below keeps the attribution offline.
  return { js: js.replace(/^\/\*! https?:\/\/\S+ (\(v[\d.]+\)) \*\//, '/*! uPlot $1 */'), css, licence };
}

const seconds = (s: number) => (s < 120 ? `${Math.round(s * 10) / 10} s` : s < 7_200 ? `${Math.round(s / 6) / 10} min` : `${Math.round(s / 360) / 10} h`);

/** The events table: one row per event, its kind in `data-kind` (the page and its tests find them by it). */
function eventsTable(charts: Charts): string {
  if (!charts.events.length) return '<p class="none">no events</p>';
  const rows = charts.events.map(
    (e) =>
      `<tr class="event-${escapeHtml(e.kind)}" data-kind="${escapeHtml(e.kind)}"><td>${when(e.at * 1_000)}</td><td>${e.until === null ? '' : seconds(e.until - e.at)}</td><td>${escapeHtml(e.kind)}</td><td>${escapeHtml(e.actor ?? '')}</td><td>${escapeHtml(e.why)}</td></tr>`,
  );
  return `<table id="events" class="events"><thead><tr><th>time</th><th>lasted</th><th>kind</th><th>who</th><th>why</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function progressLine(charts: Charts): string {
  const p = charts.progress;
  if (!p) return '';
  const missing = p.unestimated.length ? ` (no estimate yet for ${p.unestimated.map(escapeHtml).join(', ')}: not counted in the plan)` : '';
  const eta = p.eta === null ? '' : `; at ${p.rowsPerSecond} rows/s over the last minute of batches it should end about ${when(p.eta * 1_000)}`;
  return `<p id="progress">Progress: <b>${p.percent}%</b> of ${p.planned} planned rows (${p.processed} processed)${missing}${eta}.</p>`;
}

function table(head: string[], rows: unknown[][]): string {
  if (!rows.length) return '<p class="none">none</p>';
  const tr = (cells: unknown[], tag: string) => `<tr>${cells.map((c) => `<${tag}>${escapeHtml(c)}</${tag}>`).join('')}</tr>`;
  return `<table><thead>${tr(head, 'th')}</thead><tbody>${rows.map((r) => tr(r, 'td')).join('')}</tbody></table>`;
}

export async function renderHtml(data: ReportData, charts: Charts): Promise<string> {
  const { js, css, licence } = await uplotAssets();
  const page = await readFile(join(HERE, 'page.browser.js'), 'utf8');
  const { run } = data;
  const throttled = charts.throttle.length
    ? `Shaded orange: throttled (${[...new Set(charts.throttle.map((p) => p.reason))].map(escapeHtml).join(', ')}).`
    : 'No throttling recorded.';
  const interrupted = charts.interruptions.length
    ? ` Hatched grey: interrupted, no runner process alive (${charts.interruptions.length}).`
    : ' No interruption.';
  const markers = charts.events.some((e) => e.until === null) ? ' Vertical lines: the events listed below the charts.' : '';
  const section = (id: string, title: string, note = '') => `<section><h2>${escapeHtml(title)}</h2>${note}<div class="chart" id="chart-${id}"></div></section>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>pgphase run ${escapeHtml(run.id)}</title>
<style>${css}
body{font:14px system-ui,sans-serif;margin:24px;color:#222}h1{font-size:20px}h2{font-size:16px;margin-top:28px}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}td:first-child,th:first-child{text-align:left}
.none,.note{color:#666}.status-failed{color:#c00}.status-done{color:#070}.status-abandoned{color:#a60}
table.events td,table.events th{text-align:left}.event-pause td,.event-stop td{background:#fdecea}.event-resume td,.event-lift td{background:#eaf6ea}
.event-throttle td{background:#fff3e0}.event-interrupted td{background:#eee}
@media print{body{margin:0;font-size:11px;color:#000}h2{break-after:avoid}section,tr{break-inside:avoid}
*{-webkit-print-color-adjust:exact;print-color-adjust:exact}.u-legend{font-size:10px}}</style>
</head><body>
<h1>pgphase run ${escapeHtml(run.id)}: <span id="status" class="status-${escapeHtml(run.status)}">${escapeHtml(run.status.toUpperCase())}</span></h1>
<p>Phases ${escapeHtml(run.phases.join(', '))}; started ${when(run.start)}, finished ${when(run.end)}; ${data.samples.length} batches sampled, time buckets of ${charts.bucketSeconds} s. <span class="note">${throttled}${interrupted}${markers}</span></p>
${progressLine(charts)}
${table(
  ['phase · table', 'rows in', 'staged', 'quarantined', 'batches', 'retries'],
  data.tables.map((t) => [`${t.phase} · ${t.table}`, t.rowsIn, t.staged, t.quarantined, t.batches, t.retries]),
)}
${charts.time.map((c) => section(c.id, `${c.title} (${c.unit})`)).join('\n')}
<h2>Events</h2>
${eventsTable(charts)}
${charts.timeline.lanes.length ? section('timeline', 'Partitions over time', `<p class="note">One lane per partition (${charts.timeline.lanes.length}), coloured by table; a lane breaks where nobody worked on its partition for a while (more than a few of its batch times, or an interruption).</p>`) : '<h2>Partitions over time</h2><p class="none">no partitions</p>'}
${charts.workers.length ? section('workers', 'Workers: busy, throttled, idle', '<p class="note">One lane per worker: blue inside a batch, orange while its runner process waited on the health gate, blank idle (no partition to take, paused, or between batches).</p>') : '<h2>Workers</h2><p class="none">no batches</p>'}
${table(
  ['worker', 'busy', 'throttled', 'idle'],
  charts.workers.map((w) => [w.worker, seconds(w.busySeconds), seconds(w.throttledSeconds), seconds(w.idleSeconds)]),
)}
<h2>Errors by SQLSTATE (retried or failed)</h2>
${table(
  ['phase · table', 'SQLSTATE', 'count'],
  data.errors.map((e) => [`${e.phase} · ${e.table}`, e.sqlstate, e.count]),
)}
${charts.quarantine.labels.length ? section('quarantine', 'Quarantine by reason and table') : '<h2>Quarantine by reason and table</h2><p class="none">no quarantined rows</p>'}
${table(
  ['reason', 'table', 'rows'],
  data.quarantine.map((q) => [q.reason, q.table, q.rows]),
)}
<script type="application/json" id="pgphase-report-data">${scriptJson({ ...data, charts })}</script>
<script>/* uPlot, inlined. ${licence.replace(/\*\//g, '* /')} */
${js}</script>
<script>${page}</script>
</body></html>
`;
}
