/**
 * Verification of a finished blue-green build, before anything is exposed. Built-in checks:
 * every partition of the phase in this run is done (none failed, none left), and every source key
 * is accounted for (inside a done partition, and each partition's rows in = written + rejected);
 * their statements are runner/ledger/verifyReads.ts's.
 * Then the phase's own checks, run against the shadow (search_path = the shadow schema) in a
 * read-only transaction: each returns the violating rows; zero rows passes. A sample of up to 5
 * rows is kept per check.
 */
import type pg from 'pg';
import { transaction } from '../db/transaction.js';
import type { Phase, PhaseCheck } from '../phases.js';
import type { CheckOutcome } from './versions.js';
import { stepsOfPhase, unaccountedKeys, unfinishedOfPhase } from '../ledger/verifyReads.js';

export const SAMPLE = 5;

const outcome = (name: string, rows: Record<string, unknown>[]): CheckOutcome => ({
  name,
  passed: rows.length === 0,
  violations: rows.length,
  sample: rows.slice(0, SAMPLE),
});

async function ledgerChecks(c: pg.ClientBase, phase: Phase, runId: string): Promise<CheckOutcome[]> {
  const unfinished = await unfinishedOfPhase(c, runId, phase.name, SAMPLE + 1);
  const missing: Record<string, unknown>[] = [];
  const steps = await stepsOfPhase(c, runId, phase.name);
  for (const step of steps) missing.push(...(await unaccountedKeys(c, step, SAMPLE + 1)));
  return [outcome('every partition done', unfinished), outcome('every source key accounted for', missing.slice(0, SAMPLE + 1))];
}

/** Runs one declared check; a query that fails is a failed check carrying its error. */
async function declaredCheck(c: pg.ClientBase, shadow: string, check: PhaseCheck): Promise<CheckOutcome> {
  const sql = check.sql.trim().replace(/;+\s*$/, '');
  try {
    return await transaction(c, async () => {
      await c.query('SET TRANSACTION READ ONLY');
      await c.query(`SELECT set_config('search_path', $1, true)`, [c.escapeIdentifier(shadow)]);
      const { rows } = await c.query<{ row: Record<string, unknown> }>(`SELECT to_jsonb(q) AS row FROM (${sql}\n) AS q LIMIT ${SAMPLE + 1}`);
      return outcome(
        check.name,
        rows.map((r) => r.row),
      );
    });
  } catch (error) {
    const e = error as { code?: string; message?: string };
    return { name: check.name, passed: false, violations: 0, sample: [], error: `${e.code ?? ''} ${e.message ?? String(error)}`.trim() };
  }
}

export async function verifyBuild(c: pg.ClientBase, phase: Phase, runId: string, shadow: string): Promise<CheckOutcome[]> {
  const results = await ledgerChecks(c, phase, runId);
  for (const check of phase.checks ?? []) results.push(await declaredCheck(c, shadow, check));
  return results;
}

/** One line per failed check: its name, how many rows (or its error) and a sample. */
export function describeFailures(checks: readonly CheckOutcome[]): string[] {
  return checks
    .filter((k) => !k.passed)
    .map((k) =>
      k.error
        ? `check "${k.name}" could not run: ${k.error}`
        : `check "${k.name}" failed: ${k.violations > SAMPLE ? `more than ${SAMPLE}` : k.violations} violating row(s), e.g. ${k.sample.map((r) => JSON.stringify(r)).join(' ')}`,
    );
}
