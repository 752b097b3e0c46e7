/** What `demo` prints at its end: the run, staging's losses by reason, curated's build, a sample game, and where to look next. */
import { formatSwap } from '../commands/blueGreen.js';
import { formatReport } from '../commands/formatReport.js';
import type { DemoResult } from './demo.js';

function percent(part: number, whole: number): string {
  return whole ? `${((part / whole) * 100).toFixed(1)}%` : '-';
}

function stagingLines(r: DemoResult): string[] {
  const staging = r.report.phases.find((p) => p.phase === 'staging');
  if (!staging) return [];
  const lines = [
    `staging: ${staging.rowsIn} raw rows in, ${staging.written} staged, ${staging.rejected} quarantined — success rate ${percent(staging.written, staging.rowsIn)}`,
    `         ${(staging.durationMs / 1000).toFixed(2)} s, ${staging.rowsPerSec} rows/s (the plan: ~6 minutes for 23,391 rows, 8.3% lost to an overflow)`,
    'quarantined by reason:',
  ];
  const reasons = new Map<string, { rows: number; tables: string[] }>();
  for (const g of r.quarantine.byReason) {
    const entry = reasons.get(g.reason) ?? { rows: 0, tables: [] };
    entry.rows += g.rows;
    entry.tables.push(`${g.table.replace(/^raw\./, '')} ${g.rows}`);
    reasons.set(g.reason, entry);
  }
  for (const [reason, e] of [...reasons].sort((a, b) => b[1].rows - a[1].rows))
    lines.push(`  ${String(e.rows).padStart(8)}  ${reason.padEnd(24)} ${e.tables.join(', ')}`);
  return lines;
}

function curatedLines(r: DemoResult): string[] {
  const lines: string[] = [];
  const curated = r.report.phases.find((p) => p.phase === 'curated');
  if (curated) lines.push(`curated: features for ${curated.written} games in ${(curated.durationMs / 1000).toFixed(2)} s (${curated.rowsPerSec} games/s)`);
  const build = r.report.builds?.find((b) => b.phase === 'curated');
  if (build) {
    const checks = build.checks.map((k) => `${k.name} ${k.passed ? 'ok' : 'FAILED'}`).join(', ');
    lines.push(
      `         blue-green: built in ${build.schema} while readers kept reading curated; checks ${build.state === 'verified' ? 'passed' : 'FAILED'}: ${checks}`,
    );
  }
  if (r.promoted)
    lines.push(
      `         ${formatSwap('promoted', r.promoted)}`,
      '         undo with `npm run pgphase -- rollback curated` (one short transaction; see docs/rollback.md)',
    );
  return lines;
}

function incrementalLines(r: DemoResult): string[] {
  if (!r.incremental) return [];
  const first = r.report.phases.find((p) => p.phase === 'staging');
  const next = r.incremental.report.phases.find((p) => p.phase === 'staging');
  if (!next) return [];
  return [
    `a later scrape, staged incrementally (run ${r.incremental.report.runId}, \`pgphase run --incremental\`): ${r.incremental.appended} raw rows appended,`,
    `         staging read ${next.rowsIn} (the first run read ${first?.rowsIn ?? '?'}): ${next.written} staged, ${next.rejected} quarantined, in ${(next.durationMs / 1000).toFixed(2)} s`,
    "         curated still shows the first run's games until `pgphase run curated` builds them in",
  ];
}

export function formatDemo(r: DemoResult): string {
  const sample = r.sample.length
    ? r.sample.map(([k, v]) => `  ${k.padEnd(34)} ${typeof v === 'number' ? Number(v.toFixed(6)) : String(v)}`)
    : ['  (no game features)'];
  return [
    '',
    formatReport(r.report),
    '',
    ...stagingLines(r),
    ...curatedLines(r),
    ...incrementalLines(r),
    'features of a sample game (curated.game_features):',
    ...sample,
    '',
    'look further:',
    '  npm run pgphase -- status                     # migrations, runs and their reports',
    '  npm run pgphase -- quarantine list --reason duplicate_snapshot',
    '  npm run pgphase -- quarantine replay          # after fixing rows in raw',
    '  npm run pgphase -- run --new                  # run the phases again (curated builds beside the live tables)',
    '  npm run pgphase -- promote curated            # expose a verified curated build',
    '  npm run pgphase -- rollback curated           # back to the previous feature set',
    '',
    'on a production primary (see README, "Running on a production primary"):',
    '  the error budget is off here, so that the planted bad rows still run; set it with',
    '  npm run pgphase -- run --new --max-quarantine-rate 0.05 --max-failed-partitions 0',
    '  npm run pgphase -- pause | resume | tune --workers 2   # from any host, while a run works',
  ].join('\n');
}
