/** A run's report as text: what `run` prints at its end, `report` and `demo` print too. */
import { describeFailures } from '../bluegreen/verify.js';
import type { RunReport } from '../run/report.js';

/** `, 12 duplicates` for a phase's named extras (nothing when it has none). */
export function formatExtras(extras: Readonly<Record<string, number>> | undefined): string {
  return Object.entries(extras ?? {})
    .map(([name, n]) => `, ${n} ${name}`)
    .join('');
}

export function formatReport(r: RunReport): string {
  const lines = [`run ${r.runId}: ${r.status}${r.resumed ? ' (resumed)' : ''}, ${r.workers} worker(s), ${(r.durationMs / 1000).toFixed(1)} s`];
  for (const p of r.phases) {
    const rate = p.rowsIn ? ((p.written / p.rowsIn) * 100).toFixed(1) : '0.0';
    lines.push(
      `  ${p.phase.padEnd(8)} ${p.rowsIn} rows in, ${p.written} written (${rate}%), ${p.rejected} rejected${formatExtras(p.extras)}; ` +
        `${p.partitions.done}/${p.partitions.total} partitions${p.partitions.failed ? `, ${p.partitions.failed} FAILED` : ''}; ` +
        `${p.rowsPerSec} rows/s; batch p50 ${p.batchMs.p50 ?? '-'} ms, p95 ${p.batchMs.p95 ?? '-'} ms; ${p.retries} retries`,
    );
  }
  for (const f of r.failedPartitions) lines.push(`  FAILED partition ${f.id} of ${f.table} [${f.lo}..${f.hi}]: ${f.sqlstate} ${f.error}`);
  if (r.blockedSteps.length) lines.push(`  not run (waiting on failed work): ${r.blockedSteps.join(', ')}`);
  for (const b of r.builds ?? []) {
    lines.push(
      `  ${b.phase.padEnd(8)} blue-green build in ${b.schema}: ${b.state}${b.state === 'verified' ? ` (${b.checks.length} checks passed; live unchanged until promote)` : ''}`,
    );
    for (const line of describeFailures(b.checks as never)) lines.push(`    ${line}`);
  }
  const throttled = Object.entries(r.throttledSeconds ?? {});
  if (throttled.length) lines.push(`  throttled: ${throttled.map(([reason, s]) => `${reason} ${s} s`).join(', ')}`);
  lines.push(`  peak RSS ${r.peakRssMb} MB, pool high-water ${r.poolHighWater} connections`);
  return lines.join('\n');
}
