/** The result as a plain-text table (terminal) and as markdown (bench/results/*.md). Pure. */
import type { BenchResult, ModeOutput } from './result.js';

const num = (n: number) => n.toLocaleString('en-US');
const secs = (s: number) => (s >= 100 ? s.toFixed(1) : s.toFixed(2));

function modeRows(r: BenchResult): string[][] {
  const limit = r.modes.limit;
  return Object.entries(r.modes).map(([name, m]: [string, ModeOutput]) => {
    if (m.skipped) return [name, '-', '-', '-', '-', '-', '-', '-', `skipped: ${m.skipped}`];
    const vsLimit = limit && !limit.skipped && limit.rowsPerSec > 0 && name !== 'curated' ? (m.rowsPerSec / limit.rowsPerSec).toFixed(2) : '';
    const extra = m.extrapolated ? `extrapolated from ${num(m.extrapolated.measuredRows)} rows in ${secs(m.extrapolated.measuredSeconds)} s` : '';
    return [
      name,
      m.workers === undefined ? '1' : String(m.workers),
      num(m.rows),
      secs(m.seconds) + (m.extrapolated ? '*' : ''),
      num(m.rowsPerSec),
      vsLimit,
      m.peakRssMb === undefined ? '' : String(m.peakRssMb),
      m.load.map((l) => l.toFixed(2)).join('→'),
      [m.what, extra, ...(m.notes ?? [])].filter(Boolean).join('; '),
    ];
  });
}

const HEAD = ['mode', 'workers', 'rows', 'seconds', 'rows/s', 'vs limit', 'RSS MB', 'load1', 'what'];

/** ` (rounds' median x)` after a ratio, when the rounds gave one. */
function pairedText(r: BenchResult, name: string): string {
  const v = r.pairedRatios?.[name as keyof typeof r.ratios];
  return v == null ? '' : ` (rounds' median ${v})`;
}

export function formatTable(r: BenchResult): string {
  const rows = [HEAD, ...modeRows(r)];
  const widths = HEAD.slice(0, -1).map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const line = (row: string[]) => row.map((c, i) => (i < widths.length ? (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)) : c)).join('  ');
  const out = [
    `pgphase bench: ${num(r.rows)} raw rows, seed ${r.settings.seed}, ${r.machine.cores} cores, PostgreSQL ${r.machine.postgres.version} (${r.machine.postgres.server})`,
    ...rows.map(line),
  ];
  if (Object.values(r.modes).some((m) => m.extrapolated)) out.push('* extrapolated from a subset at the measured rate');
  out.push('', "ratios (throughput of the first mode named over the other; best of the rounds, and the median of the rounds' ratios):");
  for (const [k, v] of Object.entries(r.ratios)) out.push(`  ${k.padEnd(26)} ${v === null ? 'n/a' : v}${pairedText(r, k)}`);
  if (r.scale) {
    out.push('', 'scaling (pgphase_n):');
    for (const p of r.scale.points)
      out.push(
        `  ${num(p.rows).padStart(11)} rows  ${secs(p.seconds).padStart(7)} s  ${(p.secondsPerRow * 1e6).toFixed(2)} µs/row  ${num(p.rowsPerSec)} rows/s`,
      );
    out.push(`  linearity (s/row largest ÷ smallest): ${r.scale.linearity ?? 'n/a'}`);
  }
  out.push('', 'CPU per row (the backends serving the mode + this process; median of the rounds) and spread over the rounds ((max − min) / median):');
  if (r.cpuRatios.unavailable) out.push(`  not measured: ${r.cpuRatios.unavailable}`);
  else {
    for (const [name, m] of Object.entries(r.modes)) {
      if (m.skipped || !m.cpu) continue;
      const wall = r.spreads[name]?.wall ?? 0;
      out.push(
        `  ${name.padEnd(18)} ${m.cpu.microsPerRow.toFixed(2).padStart(8)} µs/row (backends ${secs(m.cpu.serverSeconds)} s, bench ${secs(m.cpu.benchSeconds)} s; background ${secs(m.cpu.backgroundSeconds)} s apart)  spread: CPU ${(m.cpu.spread * 100).toFixed(1)}%, wall ${(wall * 100).toFixed(1)}%`,
      );
    }
    out.push(`  pgphase_cpu_vs_limit       ${r.cpuRatios.pgphase_cpu_vs_limit ?? 'n/a'} (limit ÷ pgphase_1, CPU per row)`);
    out.push(`  pgphase_n_cpu_vs_limit_n   ${r.cpuRatios.pgphase_n_cpu_vs_limit_n ?? 'n/a'} (limit_n ÷ pgphase_n)`);
  }
  out.push('', 'targets:');
  for (const t of r.targets)
    out.push(
      `  ${t.met === null ? 'n/a ' : t.met ? 'MET ' : 'MISS'}  ${t.name} ${t.goal}: ${t.value ?? 'not measured'}${t.paired == null ? '' : ` (rounds' median ${t.paired})`}`,
    );
  const check = Object.entries(r.stagedCheck.staged)
    .map(([k, v]) => `${k} ${num(v)}`)
    .join(', ');
  out.push(`rows staged: ${check || 'n/a'}${r.stagedCheck.consistent ? '' : '  INCONSISTENT'}`);
  const sums = Object.entries(r.stagedCheck.checksums ?? {})
    .map(([k, v]) => `${k} ${v.slice(0, 12)}`)
    .join(', ');
  out.push(`checksum of the staged rows: ${sums || 'n/a'}`);
  out.push(
    `peak RSS of this process: ${r.peakRssMb} MB as the runner (any mode ${r.rss.anyModeMb} MB, before the first mode ${r.rss.beforeModesMb} MB); total ${secs(r.totalSeconds)} s`,
  );
  return out.join('\n');
}

const mdRow = (cells: readonly string[]) => `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
const mdTable = (head: readonly string[], rows: readonly (readonly string[])[]) => [mdRow(head), mdRow(head.map(() => '---')), ...rows.map(mdRow)].join('\n');

export function formatMarkdown(r: BenchResult): string {
  const m = r.machine;
  const pgSettings = Object.entries(m.postgres.settings)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  return [
    `# pgphase bench, ${r.startedAt}`,
    '',
    `\`${r.command}\` — ${num(r.rows)} raw rows (${Object.entries(r.dataset.rawRows)
      .map(([t, n]) => `${t} ${num(n)}`)
      .join(', ')}), seed ${r.settings.seed}, ` + `generated in ${secs(r.dataset.generateSeconds)} s (not part of any mode). Total ${secs(r.totalSeconds)} s.`,
    '',
    '## Machine',
    '',
    mdTable(
      ['', ''],
      [
        ['CPU', m.cpuModel],
        ['cores', String(m.cores)],
        ['RAM', `${m.ramGb} GB`],
        ['OS / Node', `${m.os} / ${m.node}`],
        ['load average at start (1, 5, 15 min)', m.loadAvg.join(', ')],
        ['PostgreSQL', `${m.postgres.version} (${m.postgres.server})`],
        ['settings', pgSettings],
        ['pg_stat_statements', m.postgres.pgStatStatements ? 'loaded' : 'not loaded'],
      ],
    ),
    '',
    '## Modes',
    '',
    'Each mode starts from a clean staging state (staging tables, quarantine, curated tables and the ledger truncated, then CHECKPOINT); load1 is the 1-minute load average before → after the mode (other work shares this machine).',
    '',
    mdTable(HEAD, modeRows(r)),
    '',
    '## Ratios and targets',
    '',
    mdTable(
      ['ratio', 'best of the rounds', "median of the rounds' ratios"],
      Object.entries(r.ratios).map(([k, v]) => [k, v === null ? 'n/a' : String(v), String(r.pairedRatios?.[k as keyof typeof r.ratios] ?? 'n/a')]),
    ),
    '',
    mdTable(
      ['target', 'goal', 'value (best of the rounds)', "median of the rounds' ratios", 'met (best of the rounds)'],
      r.targets.map((t) => [
        t.name,
        t.goal,
        t.value === null ? 'not measured' : String(t.value),
        t.paired == null ? 'n/a' : String(t.paired),
        t.met === null ? 'n/a' : t.met ? 'yes' : 'NO',
      ]),
    ),
    '',
    `Rows staged by each full-data staging mode (must agree): ${
      Object.entries(r.stagedCheck.staged)
        .map(([k, v]) => `${k} ${num(v)}`)
        .join(', ') || 'n/a'
    }${r.stagedCheck.consistent ? ' — consistent.' : ' — **INCONSISTENT**.'}`,
    '',
    ...(r.scale
      ? [
          '## Scaling (pgphase_n)',
          '',
          mdTable(
            ['rows', 'seconds', 'µs/row', 'rows/s', 'load1'],
            r.scale.points.map((p) => [
              num(p.rows),
              secs(p.seconds),
              (p.secondsPerRow * 1e6).toFixed(2),
              num(p.rowsPerSec),
              p.load.map((l) => l.toFixed(2)).join('→'),
            ]),
          ),
          '',
          `Linearity (seconds per row at the largest size ÷ at the smallest): ${r.scale.linearity ?? 'n/a'}.`,
          '',
        ]
      : []),
    `Peak RSS of the benchmark process while it ran as the runner (record, pgphase_*, curated, scaling): ${r.peakRssMb} MB; in any mode ${r.rss.anyModeMb} MB; just before the first mode (Node, tsx, pg, the modules loaded) ${r.rss.beforeModesMb} MB.`,
    '',
  ].join('\n');
}
