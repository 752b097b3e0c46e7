/** Scraping and reading Prometheus text for the metrics tests, and the metric names a rules file uses. */
import { createServer } from 'node:net';
import { parser } from '@prometheus-io/lezer-promql';
import { parse as parseYaml } from 'yaml';

/** A port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface Sample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

export interface Scrape {
  readonly text: string;
  /** Every family declared by a `# TYPE` line (served even before its first sample) and every sample's series name (histograms give _bucket, _sum, _count). */
  readonly names: Set<string>;
  /** Value of the sample with exactly these labels (0 when absent: counters start at zero). */
  value(name: string, labels?: Record<string, string>): number;
  /** All samples of a series name, with their labels. */
  samples(name: string): Sample[];
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL = '([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\.)*)"';
const SAMPLE_LINE = new RegExp(`^(${NAME})(?:\\{((?:${LABEL},?)*)\\})? (-?[0-9.]+(?:e[+-]?[0-9]+)?|[Nn]a[Nn]|[+-]Inf)(?: -?[0-9]+)?$`);
const TYPE_LINE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`);

/**
 * Parses the text exposition format (version 0.0.4) strictly: every line is empty, a HELP or a
 * TYPE comment, or a well-formed sample; anything else throws.
 */
export function parseScrape(text: string): Scrape {
  const names = new Set<string>();
  const all: Sample[] = [];
  for (const line of text.split('\n')) {
    const type = TYPE_LINE.exec(line);
    if (type) names.add(type[1]!);
    if (line === '' || type || line.startsWith('# HELP ')) continue;
    const m = SAMPLE_LINE.exec(line);
    if (!m) throw new Error(`not Prometheus text: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(new RegExp(LABEL, 'g'))) labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    names.add(m[1]!);
    all.push({ name: m[1]!, labels, value: Number(m[5]!.replace('Inf', 'Infinity')) });
  }
  const same = (a: Record<string, string>, b: Record<string, string>) =>
    Object.keys(a).length === Object.keys(b).length && Object.entries(b).every(([k, v]) => a[k] === v);
  const samples = (name: string) => all.filter((s) => s.name === name);
  return { text, names, samples, value: (name, labels = {}) => samples(name).find((s) => same(s.labels, labels))?.value ?? 0 };
}

export async function scrape(url: string): Promise<Scrape> {
  const res = await fetch(url);
  if (res.status !== 200) throw new Error(`${url}: HTTP ${res.status}`);
  if (!/^text\/plain; version=0\.0\.4/.test(res.headers.get('content-type') ?? '')) throw new Error(`content-type ${res.headers.get('content-type')}`);
  return parseScrape(await res.text());
}

/** Adds the metric names a PromQL expression selects to `names`; throws (naming `what`) if it does not parse. */
export function namesInExpr(expr: string, what: string, names: Set<string>): void {
  const tree = parser.parse(expr);
  tree.iterate({
    enter(node) {
      if (node.type.isError) throw new Error(`${what}: PromQL does not parse at ${node.from}: ${expr}`);
      if (node.name === 'Identifier' && node.node.parent?.name === 'VectorSelector') names.add(expr.slice(node.from, node.to));
    },
  });
}

/** Metric names in the expressions of a Prometheus rules file; throws if an expression does not parse. */
export function metricNamesInRules(yamlText: string): { alerts: string[]; names: Set<string> } {
  const doc = parseYaml(yamlText) as { groups: { rules: { alert?: string; record?: string; expr: string }[] }[] };
  const names = new Set<string>();
  const alerts: string[] = [];
  for (const rule of doc.groups.flatMap((g) => g.rules)) {
    if (rule.alert) alerts.push(rule.alert);
    namesInExpr(String(rule.expr), rule.alert ?? rule.record ?? 'rule', names);
  }
  return { alerts, names };
}

/**
 * Metric names a Grafana dashboard's panels query (Prometheus targets), with Grafana's variables
 * replaced by values PromQL parses; throws if an expression does not parse. Also the panels' titles.
 */
export function metricNamesInDashboard(json: string): { panels: string[]; names: Set<string> } {
  const doc = JSON.parse(json) as { panels: { title: string; targets?: { expr: string }[] }[] };
  const names = new Set<string>();
  for (const panel of doc.panels) {
    for (const target of panel.targets ?? []) {
      const expr = target.expr.replaceAll('$__rate_interval', '5m').replaceAll('$instance', '.*');
      namesInExpr(expr, panel.title, names);
    }
  }
  return { panels: doc.panels.map((p) => p.title), names };
}
