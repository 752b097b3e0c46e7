/**
 * `pgphase doctor`: the preflight a DBA runs before a deploy. Reads (never changes) the server
 * and the project, prints one line per check (ok, warn, fail) with its fix; exit 0 when nothing
 * fails, 1 otherwise. `--json` prints { ok, checks } on stdout.
 */
import { z } from 'zod';
import { withClient } from '../db/database.js';
import { gatherFacts } from '../doctor/gather.js';
import { detectPooler } from '../db/pooler.js';
import { transaction } from '../db/transaction.js';
import { checkSteps } from '../run/stepCheck.js';
import { type Check, diagnose } from '../doctor/judge.js';
import { EXIT } from '../errors.js';
import { withDatabase } from '../session.js';
import { flag, whole } from './flags.js';
import { defineCommand } from './spec.js';

export function formatChecks(checks: readonly Check[]): string {
  const lines: string[] = [];
  for (const c of checks) {
    lines.push(`${c.level.padEnd(4)}  ${c.name}: ${c.message}`);
    if (c.fix) lines.push(`      fix: ${c.fix}`);
    for (const s of c.statements ?? []) lines.push(`        ${s}`);
  }
  return lines.join('\n');
}

export const doctorCommand = defineCommand({
  name: 'doctor',
  description:
    'preflight before a deploy: server version, a writable primary, privileges, connection budget, timeouts and session settings, JIT, pending work, invalid indexes, the declared phases, a connection pooler (exit 1 when a check fails)',
  options: [
    { flags: '--json', description: 'print { ok, checks } as JSON on stdout' },
    { flags: '--workers <n>', description: 'the workers pgphase run will start (default: its own default)' },
  ],
  input: z.object({ json: flag(), workers: whole(1, 1_024).optional() }),
  run: (session, input) =>
    withDatabase(session, (db) =>
      withClient(db.url, 'pgphase doctor', async (c) => {
        const facts = await gatherFacts(c, session.config, input.workers);
        // The steps only once nothing is pending: before `migrate` a step's tables may not exist yet.
        const phases = facts.frameworkSchema.present && facts.pendingMigrations.length === 0 ? session.phases : [];
        const steps = phases.length > 0 ? { steps: await transaction(c, () => checkSteps(c, phases)) } : {};
        return diagnose({ ...facts, ...steps, pooler: await detectPooler(db.url) });
      }),
    ),
  render: (result, input) => ({
    stdout: input.json ? JSON.stringify(result) : `${formatChecks(result.checks)}\ndoctor: ${result.ok ? 'nothing fails' : 'something fails'}`,
    exitCode: result.ok ? EXIT.ok : EXIT.failed,
  }),
});
