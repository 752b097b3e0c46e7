/**
 * `pgphase status`: migrations applied and pending, changed procedures, invalid indexes, the
 * latest runs and the blue-green versions; exit 1 when anything needs action.
 */
import { z } from 'zod';
import { EXIT } from '../errors.js';
import { withClient } from '../db/database.js';
import { type MigrationStatus, migrationStatus } from '../migrate/status.js';
import { recentRuns, type RunSummary } from '../ledger/runStatus.js';
import { describeLife, lifeOf, type RunLife } from '../run/runLifeStatus.js';
import { pendingRoleStatements } from '../migrate/rolePending.js';
import { blueGreenStatus, type BlueGreenStatus } from '../bluegreen/operations.js';
import type { Version } from '../bluegreen/versions.js';
import { withDatabase } from '../session.js';
import { flag } from './flags.js';
import { formatExtras } from './formatReport.js';
import { defineCommand } from './spec.js';

export interface FullStatus extends MigrationStatus {
  readonly runs: (RunSummary & { readonly life?: RunLife })[];
  readonly blueGreen: BlueGreenStatus[];
  /** Statements migration 0008 left for an administrator (the migrating login could not create roles). */
  readonly roleStatements: string[];
}

const versionLabel = (v: Version) => (v.runId === null ? 'the initial tables' : `run ${v.runId}`);

function formatBlueGreen(phases: BlueGreenStatus[]): string[] {
  const lines = phases.length ? ['blue-green phases:'] : [];
  for (const p of phases) {
    lines.push(`  ${p.phase} (${p.schema}):`);
    lines.push(
      `    live      ${p.live ? `${versionLabel(p.live)}, promoted ${p.live.promotedAt?.toISOString() ?? '-'}` : 'the tables as built in place (nothing promoted yet)'}`,
    );
    lines.push(`    previous  ${p.previous ? `${versionLabel(p.previous)} in ${p.previous.parkedSchema} (pgphase rollback ${p.phase})` : 'none'}`);
    const pending = p.pending;
    const failed = (pending?.checks ?? []).filter((k) => !k.passed).map((k) => `"${k.name}"`);
    lines.push(
      `    shadow    ${pending ? `${versionLabel(pending)} in ${pending.parkedSchema}: ${pending.state}${failed.length ? ` (failed ${failed.join(', ')})` : pending.state === 'verified' ? ` (pgphase promote ${p.phase})` : ''}` : 'none'}`,
    );
    if (p.retired.length) lines.push(`    parked    ${p.retired.map((r) => `${versionLabel(r)} in ${r.parkedSchema}`).join(', ')} (pgphase prune ${p.phase})`);
  }
  return lines;
}

function formatRuns(runs: FullStatus['runs']): string[] {
  const lines = [`runs: ${runs.length ? '' : 'none yet'}`];
  for (const r of runs) {
    const p = r.partitions;
    const rows = r.report?.rowsIn !== undefined ? `, ${r.report.rowsIn} rows in, ${r.report.rowsPerSec} rows/s` : '';
    const life = r.life
      ? describeLife(r.life, r.phases)
      : (r.report as { abandoned?: boolean } | null)?.abandoned
        ? { label: 'ABANDONED', detail: null }
        : null;
    lines.push(
      `  run ${r.id} [${r.phases.join(', ')}] ${life ? life.label : r.status.toUpperCase()} started ${r.startedAt}: ${p.done}/${p.total} partitions done${p.failed ? `, ${p.failed} failed` : ''}${p.running ? `, ${p.running} running` : ''}${rows}`,
    );
    if (life?.detail) lines.push(`    ${life.detail}`);
    for (const ph of r.report?.phases ?? []) {
      lines.push(
        `    ${ph.phase.padEnd(8)} ${ph.rowsIn} in, ${ph.written} written, ${ph.rejected} rejected${formatExtras(ph.extras)}, ${ph.retries} retries, batch p50 ${ph.batchMs.p50 ?? '-'} ms`,
      );
    }
  }
  return lines;
}

export function formatStatus(s: FullStatus): string {
  const lines = [`migrations: ${s.applied.length} applied, ${s.pending.length} pending`];
  for (const name of s.pending) lines.push(`  pending   ${name}`);
  for (const name of s.changed) lines.push(`  CHANGED   ${name} (edited after it was applied; migrate will refuse it)`);
  for (const name of s.missing) lines.push(`  MISSING   ${name} (applied, but its file is gone)`);
  lines.push(`procedures: ${s.procedures.pending.length} changed since applied or never applied`);
  for (const file of s.procedures.pending) lines.push(`  changed   ${file}`);
  for (const r of s.procedures.reapply)
    lines.push(`  ${r.files.length} unchanged procedure(s) will be re-applied by the next migrate, ${r.reason} (it may have dropped what they use)`);
  for (const file of s.procedures.orphaned) lines.push(`  orphaned  ${file} (applied, file removed; the object is still in the database)`);
  lines.push(`invalid indexes: ${s.invalidIndexes.length}`);
  for (const ix of s.invalidIndexes)
    lines.push(
      `  INVALID   ${ix.schema}.${ix.name} on ${ix.table}${ix.migration ? ` (from ${ix.migration}; migrate rebuilds it)` : ' (not built by a migration)'}`,
    );
  if (s.roleStatements.length > 0) {
    lines.push('roles: not set up (the migrating login may not create roles); an administrator should run, as a superuser in this database:');
    for (const statement of s.roleStatements) lines.push(`  ${statement}`);
  }
  lines.push(...formatRuns(s.runs));
  lines.push(...formatBlueGreen(s.blueGreen));
  lines.push(s.ok ? 'status: ok' : 'status: action needed');
  return lines.join('\n');
}

export const statusCommand = defineCommand({
  name: 'status',
  description:
    'migrations applied and pending, changed procedures, invalid indexes, latest runs, blue-green versions (exit 1 when anything is pending or broken, or the latest run failed)',
  options: [{ flags: '--json', description: 'print the status as JSON on stdout' }],
  input: z.object({ json: flag() }),
  run: (session) =>
    withDatabase(session, (db) =>
      withClient(db.url, 'pgphase status', async (c): Promise<FullStatus> => {
        const m = await migrationStatus(c, session.config);
        const runs = await lifeOf(c, await recentRuns(c));
        const stuck = runs.some((r) => r.life && !r.life.live && !r.life.abandoned);
        const blueGreen = await blueGreenStatus(c, session.phases);
        return { ...m, ok: m.ok && runs[0]?.status !== 'failed' && !stuck, runs, blueGreen, roleStatements: await pendingRoleStatements(c) };
      }),
    ),
  render: (s, o) => ({ stdout: o.json ? JSON.stringify(s) : formatStatus(s), exitCode: s.ok ? EXIT.ok : EXIT.failed }),
});
