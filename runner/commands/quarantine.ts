/** `pgphase quarantine list` and `quarantine replay`: the rows the phases rejected, by reason. */
import { z } from 'zod';
import { withClient } from '../db/database.js';
import { EXIT } from '../errors.js';
import { listQuarantine, type QuarantineSummary, replayQuarantine } from '../run/quarantine.js';
import { withDatabase } from '../session.js';
import { flag, matching, runId, whole } from './flags.js';
import { defineCommand } from './spec.js';

const reason = matching(/^[a-z][a-z0-9_]{0,62}$/, 'a reason code such as invalid_odds').optional();
/** Most sample rows `quarantine list` prints. */
const MAX_LIMIT = 100_000;

export function formatQuarantine(summary: QuarantineSummary): string {
  const lines = [`${summary.total} quarantined row(s)`];
  for (const g of summary.byReason) {
    const reason = g.constraint ? `${g.reason} [${g.constraint}]` : g.reason;
    lines.push(`  ${String(g.rows).padStart(8)}  ${reason.padEnd(24)} ${g.table}`);
  }
  if (summary.rows.length) lines.push('sample:');
  for (const r of summary.rows) lines.push(`  ${r.table}#${r.sourceId} ${r.reason}${r.sqlstate ? ` [${r.sqlstate}]` : ''}: ${(r.message ?? '').slice(0, 120)}`);
  return lines.join('\n');
}

export const quarantineListCommand = defineCommand({
  name: 'quarantine list',
  description: 'count quarantined rows by reason and table, with sample rows',
  options: [
    { flags: '--reason <code>', description: 'only this reason code' },
    { flags: '--run <id>', description: 'what run ID quarantined (kept with the run, true after later runs)' },
    { flags: '--limit <n>', description: 'sample rows to show', default: '20' },
    { flags: '--json', description: 'print as JSON on stdout' },
  ],
  input: z.object({ reason, run: runId().optional(), limit: whole(0, MAX_LIMIT), json: flag() }),
  run: (session, o) =>
    withDatabase(session, (db) =>
      withClient(db.url, 'pgphase quarantine', (c) =>
        listQuarantine(c, { ...(o.reason ? { reason: o.reason } : {}), ...(o.run ? { runId: o.run } : {}), limit: o.limit }),
      ),
    ),
  render: (summary, o) => ({ stdout: o.json ? JSON.stringify(summary) : formatQuarantine(summary), exitCode: EXIT.ok }),
});

export const quarantineReplayCommand = defineCommand({
  name: 'quarantine replay',
  description: 'run quarantined rows through their procedures again (after a fix)',
  options: [
    { flags: '--reason <code>', description: 'only rows with this reason code' },
    { flags: '--json', description: 'print the result as JSON on stdout' },
  ],
  input: z.object({ reason, json: flag() }),
  run: (session, o) =>
    withDatabase(session, (db) =>
      withClient(db.url, 'pgphase quarantine replay', (c) => replayQuarantine(c, { ...(o.reason ? { reason: o.reason } : {}), phases: session.phases })),
    ),
  render: (r, o) =>
    o.json
      ? { stdout: JSON.stringify(r), exitCode: EXIT.ok }
      : { stdout: `replayed ${r.replayed} row(s): ${r.written} now written, ${r.stillQuarantined} still quarantined (run ${r.runId})`, exitCode: EXIT.ok },
});
