/**
 * `status`: what is applied and pending, applied files that changed, procedures that changed
 * since they were applied, and INVALID indexes. `ok` is false when anything is pending or broken,
 * which the CLI turns into a non-zero exit code for deploy pipelines.
 */
import type pg from 'pg';
import type { Config } from '../config.js';
import { withClient } from '../db/database.js';
import { appliedMigrations, appliedProcedures, metaExists } from './meta.js';
import { checksumAccepted } from './migrationFile.js';
import { readMigrationsFrom } from './readMigrationsFrom.js';
import { reapplyReason } from './reapply.js';
import { type InvalidIndex, findInvalidIndexes } from './invalidIndexes.js';
import { forServer, readProcedures } from './procedures.js';
import { serverVersionNum } from '../db/serverVersion.js';
import { majorOf } from '../db/versionRule.js';

export interface MigrationStatus {
  readonly ok: boolean;
  readonly applied: { name: string; runOn: string }[];
  readonly pending: string[];
  /** Applied migrations whose file changed since (refused by migrate). */
  readonly changed: string[];
  /** Applied migrations whose file is gone. */
  readonly missing: string[];
  readonly procedures: {
    /** Files whose text changed since applied, or never applied. */
    readonly pending: string[];
    /** Files unchanged but due to be re-applied, with why (after `down`). */
    readonly reapply: { readonly reason: string; readonly files: string[] }[];
    readonly orphaned: string[];
  };
  readonly invalidIndexes: InvalidIndex[];
}

export async function migrationStatus(client: pg.Client, config: Config): Promise<MigrationStatus> {
  const files = await readMigrationsFrom(config);
  const allProcedures = await readProcedures(config.proceduresDir);
  const procedures = forServer(allProcedures, majorOf(await serverVersionNum(client)));
  const hasMeta = await metaExists(client);
  const applied = hasMeta ? await appliedMigrations(client) : new Map<string, { runOn: Date; checksum: string | null }>();
  const procs = hasMeta ? await appliedProcedures(client) : new Map<string, string>();
  const pending = files.filter((f) => !applied.has(f.name)).map((f) => f.name);
  const changed = files.filter((f) => {
    const row = applied.get(f.name);
    return row?.checksum != null && !checksumAccepted(f, row.checksum);
  });
  const missing = [...applied.keys()].filter((name) => !files.some((f) => f.name === name));
  const due = procedures.filter((p) => procs.get(p.file) !== p.checksum);
  const reasons = new Map<string, string[]>();
  for (const p of due) {
    const reason = reapplyReason(procs.get(p.file) ?? '');
    if (reason) reasons.set(reason, [...(reasons.get(reason) ?? []), p.file]);
  }
  const reapply = [...reasons].map(([reason, list]) => ({ reason, files: list }));
  const procPending = due.filter((p) => !reapplyReason(procs.get(p.file) ?? '')).map((p) => p.file);
  // A file for another server version (applied before a pg_upgrade, say) is not orphaned.
  const orphaned = [...procs.keys()].filter((file) => !allProcedures.some((p) => p.file === file));
  const invalidIndexes = await findInvalidIndexes(client, files);
  return {
    ok: pending.length === 0 && changed.length === 0 && missing.length === 0 && due.length === 0 && invalidIndexes.length === 0,
    applied: [...applied].map(([name, row]) => ({ name, runOn: row.runOn.toISOString() })),
    pending,
    changed: changed.map((f) => f.name),
    missing,
    procedures: { pending: procPending, reapply, orphaned },
    invalidIndexes,
  };
}

export function status(url: string, config: Config): Promise<MigrationStatus> {
  return withClient(url, 'pgphase status', (client) => migrationStatus(client, config));
}
