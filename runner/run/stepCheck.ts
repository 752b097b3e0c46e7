/**
 * Every declared step against the database, before any work: its source table, its key column (an
 * integer), its procedure (a procedure, not a function), and, for a step on the generic isolation
 * driver, the declaration pgphase.isolate will read — the classification and the target's columns,
 * through pgphase.isolation_sql, which raises the error the first batch would (the source key
 * column missing from the target, say). `run` refuses a phase with a problem before it records a
 * run (exit 2); `doctor` lists the problems. Reads only; a failed read is rolled back to a savepoint.
 */
import type pg from 'pg';
import type { Phase } from '../phases.js';

export interface StepProblem {
  readonly phase: string;
  readonly source: string;
  readonly problem: string;
  readonly hint: string;
}

/** The step declaration a procedure passes to pgphase.isolate, from its source text (null: it does not call it). */
export function isolateDeclaration(definition: string): string | null {
  const m = /pgphase\.isolate\s*\(\s*'((?:[^']|'')*)'/i.exec(definition);
  return m ? m[1]!.replace(/''/g, "'") : null;
}

async function guarded<T>(client: pg.ClientBase, fn: () => Promise<T>): Promise<T | Error> {
  await client.query('SAVEPOINT pgphase_step_check');
  try {
    const result = await fn();
    await client.query('RELEASE SAVEPOINT pgphase_step_check');
    return result;
  } catch (error) {
    await client.query('ROLLBACK TO SAVEPOINT pgphase_step_check');
    return error instanceof Error ? error : new Error(String(error));
  }
}

/** The problems of the phases' steps; none when every step can run. Needs an open transaction on `client`. */
export async function checkSteps(client: pg.ClientBase, phases: readonly Phase[]): Promise<StepProblem[]> {
  const problems: StepProblem[] = [];
  for (const phase of phases) {
    for (const step of phase.steps) {
      const problem = (text: string, hint: string) => problems.push({ phase: phase.name, source: step.source, problem: text, hint });
      const { rows: src } = await client.query<{ ok: boolean; key_type: string | null }>(
        `SELECT to_regclass($1) IS NOT NULL AS ok,
                (SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
                  WHERE a.attrelid = to_regclass($1) AND a.attname = $2 AND a.attnum > 0 AND NOT a.attisdropped) AS key_type`,
        [step.source, step.key],
      );
      if (!src[0]!.ok)
        problem(`source table ${step.source} does not exist`, 'If a migration creates it, run `pgphase migrate` first; else fix "source" in the phases file.');
      else if (src[0]!.key_type === null)
        problem(`${step.source} has no column ${step.key}`, `Name its integer key column with "key" in the phases file (now "${step.key}").`);
      else if (!['bigint', 'integer', 'smallint'].includes(src[0]!.key_type))
        problem(
          `key ${step.source}.${step.key} is ${src[0]!.key_type}, not an integer`,
          'Partitions are ranges of an integer key: name a bigint, integer or smallint column with "key".',
        );

      const found = await guarded(client, async () => {
        const { rows } = await client.query<{ kind: string | null; definition: string | null }>(
          `SELECT p.prokind::text AS kind, pg_get_functiondef(p.oid) AS definition FROM pg_proc p WHERE p.oid = to_regproc($1)`,
          [step.procedure],
        );
        return rows[0] ?? null;
      });
      if (found instanceof Error) {
        // Overloaded: the runner's CALL picks one by its arguments; nothing to check by name alone.
        if (/more than one/.test(found.message)) continue;
        problem(`procedure ${step.procedure}: ${found.message}`, 'Name one procedure (schema.name) with "procedure" in the phases file.');
        continue;
      }
      if (!found) {
        problem(
          `procedure ${step.procedure} does not exist`,
          'Apply it (pgphase migrate applies the procedures folder), or fix "procedure" in the phases file.',
        );
        continue;
      }
      if (found.kind !== 'p') {
        problem(
          `${step.procedure} is a function, not a procedure`,
          'pgphase CALLs it: CREATE PROCEDURE … (p_run_id bigint, p_lo bigint, p_hi bigint, INOUT …).',
        );
        continue;
      }
      const declaration = isolateDeclaration(found.definition ?? '');
      if (declaration === null) continue;
      const checked = await guarded(client, () => client.query('SELECT 1 FROM pgphase.isolation_sql($1::jsonb)', [declaration]));
      if (checked instanceof Error) {
        const hint = (checked as { hint?: string }).hint;
        problem(`${step.procedure}: ${checked.message}`, hint ?? 'Fix the step declaration it passes to pgphase.isolate.');
      }
    }
  }
  return problems;
}

/** The problems as one line for an error (an error is one line, then its hint). */
export function describeStepProblems(problems: readonly StepProblem[]): string {
  return problems.map((p) => `phase ${p.phase}, step ${p.source}: ${p.problem}`).join('; ');
}
