/**
 * Verification of a finished blue-green build, before anything is exposed. Built-in checks:
 * every partition of the phase in this run is done (none failed, none left), and every source key
 * is accounted for (inside a done partition, and each partition's rows in = written + rejected).
 * Then the phase's own checks, run against the shadow (search_path = the shadow schema) in a
 * read-only transaction: each returns the violating rows; zero rows passes. A sample of up to 5
 * rows is kept per check.
 */
import type pg from 'pg';
import { transaction } from '../db/transaction.js';
import type { Phase, PhaseCheck } from '../phases.js';
import type { CheckOutcome } from './versions.js';

export const SAMPLE = 5;

const outcome = (name: string, rows: Record<string, unknown>[]): CheckOutcome => ({
  name,
  passed: rows.length === 0,
  violations: rows.length,
  sample: rows.slice(0, SAMPLE),
});

async function ledgerChecks(c: pg.ClientBase, phase: Phase, runId: string): Promise<CheckOutcome[]> {
  const { rows: unfinished } = await c.query<Record<string, unknown>>(
    `SELECT id::text AS partition, source_table, lo::text, hi::text, status, last_sqlstate, last_error
       FROM pgphase.partitions WHERE run_id = $1 AND phase = $2 AND status <> 'done'
     UNION ALL
     SELECT NULL, source_table, NULL, NULL, 'step ' || status, NULL, NULL
       FROM pgphase.run_steps WHERE run_id = $1 AND phase = $2 AND status <> 'done'
     ORDER BY 1 LIMIT ${SAMPLE + 1}`,
    [runId, phase.name],
  );
  const missing: Record<string, unknown>[] = [];
  const { rows: steps } = await c.query<{ id: string; source_table: string; key_column: string }>(
    `SELECT id::text, source_table, key_column FROM pgphase.run_steps WHERE run_id = $1 AND phase = $2 ORDER BY ordinal`,
    [runId, phase.name],
  );
  for (const step of steps) {
    const table = step.source_table
      .split('.')
      .map((p) => c.escapeIdentifier(p))
      .join('.');
    const key = c.escapeIdentifier(step.key_column);
    const { rows } = await c.query<Record<string, unknown>>(
      `(WITH covered AS (SELECT coalesce(range_agg(int8range(lo, hi, '[]')), '{}'::int8multirange) AS m
                           FROM pgphase.partitions WHERE step_id = $1 AND status = 'done')
        SELECT $2::text AS source_table, s.${key}::text AS key, 'not in a done partition' AS problem FROM ${table} s, covered
         WHERE NOT (s.${key}::bigint <@ covered.m) ORDER BY s.${key} LIMIT ${SAMPLE + 1})
       UNION ALL
       (SELECT $2, format('%s..%s', lo, hi), format('partition %s: %s rows in, %s written + %s rejected', id, rows_in, written, rejected)
          FROM pgphase.partitions WHERE step_id = $1 AND rows_in <> written + rejected ORDER BY id LIMIT ${SAMPLE + 1})`,
      [step.id, step.source_table],
    );
    missing.push(...rows);
  }
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
