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
    ? `Shaded: throttled (${[...new Set(charts.throttle.map((p) => p.reason))].map(escapeHtml).join(', ')}).`
    : 'No throttling recorded.';
  const section = (id: string, title: string, note = '') => `<section><h2>${escapeHtml(title)}</h2>${note}<div class="chart" id="chart-${id}"></div></section>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>pgphase run ${escapeHtml(run.id)}</title>
<style>${css}
body{font:14px system-ui,sans-serif;margin:24px;color:#222}h1{font-size:20px}h2{font-size:16px;margin-top:28px}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}td:first-child,th:first-child{text-align:left}
.none,.note{color:#666}.status-failed{color:#c00}.status-done{color:#070}</style>
</head><body>
<h1>pgphase run ${escapeHtml(run.id)}: <span class="status-${escapeHtml(run.status)}">${escapeHtml(run.status)}</span></h1>
<p>Phases ${escapeHtml(run.phases.join(', '))}; started ${when(run.start)}, finished ${when(run.end)}; ${data.samples.length} batches sampled, time buckets of ${charts.bucketSeconds} s. <span class="note">${throttled}</span></p>
${table(
  ['phase · table', 'rows in', 'staged', 'quarantined', 'batches', 'retries'],
  data.tables.map((t) => [`${t.phase} · ${t.table}`, t.rowsIn, t.staged, t.quarantined, t.batches, t.retries]),
)}
${charts.time.map((c) => section(c.id, `${c.title} (${c.unit})`)).join('\n')}
${charts.timeline.lanes.length ? section('timeline', 'Partitions over time', `<p class="note">One lane per partition (${charts.timeline.lanes.length}), coloured by table.</p>`) : '<h2>Partitions over time</h2><p class="none">no partitions</p>'}
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
