/**
 * Phases as data. A phase is a list of steps, one per source table; each step names the
 * procedure that processes a key range of that table, the key column, and the tables whose
 * steps must finish first. A project lists its phases in a phases file (`phases` in
 * pgphase.config.json) or passes them in code: the runner has no code specific to any phase.
 *
 * Every phase procedure has the same shape (see procedures/):
 *   PROCEDURE schema.name(p_run_id bigint, p_lo bigint, p_hi bigint,
 *     INOUT rows_in bigint, INOUT staged bigint, INOUT quarantined bigint, INOUT duplicates bigint)
 * and neither commits nor rolls back: the runner commits each call with its ledger update.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { UsageError } from './errors.js';
import type { IsolationLevel } from './db/transaction.js';

export interface PhaseStep {
  /** Source table, schema-qualified; its key range is what partitions cut. */
  readonly source: string;
  /** The procedure CALLed over a key range of `source`. */
  readonly procedure: string;
  /** Integer key column of `source` (a bigint id). */
  readonly key: string;
  /** Source tables (of this or earlier phases) whose steps must be done first. */
  readonly after?: readonly string[];
  /**
   * The isolation level of this step's batches; default read committed, the level the runner's
   * protocol is built on, whatever the server's default_transaction_isolation. A stricter level
   * makes concurrent batches fail with 40001 where they conflict (retried as transient).
   */
  readonly isolation?: IsolationLevel;
  /**
   * An append-only source: a new run goes over the keys added since this step last finished (the
   * highest key it covered then), unless `run --full`. Default false: the whole source.
   */
  readonly incremental?: boolean;
}

/** A query over a blue-green phase's shadow build that returns the rows violating a rule: zero rows passes. */
export interface PhaseCheck {
  readonly name: string;
  /** Runs with search_path set to the shadow build's schema: name output tables without a schema. */
  readonly sql: string;
}

export interface Phase {
  readonly name: string;
  readonly description: string;
  readonly dependsOn: readonly string[];
  readonly steps: readonly PhaseStep[];
  /**
   * Tables the phase writes, schema-qualified (one schema). The runner sets `search_path` to that
   * schema (or, for a blue-green build, to its shadow schema) for each call: the procedures name
   * their output tables without a schema. See runner/bluegreen/.
   */
  readonly outputs?: readonly string[];
  /** Build into a shadow copy of `outputs`, verify it, and expose it with `promote` (default false). */
  readonly blueGreen?: boolean;
  /** Checks that must return no rows before a blue-green build may be promoted. */
  readonly checks?: readonly PhaseCheck[];
}

/** Resolves phase names (all phases when empty) in dependency order; unknown names, or no phases at all, throw. */
export function selectPhases(names: readonly string[], phases: readonly Phase[]): Phase[] {
  if (phases.length === 0)
    throw new UsageError(
      'no phases: set "phases" in pgphase.config.json (or PGPHASE_PHASES) to a phases file, or pass phaseList',
      'Scaffold a phase with `pgphase new phase <name> --source <schema.table> --target <schema.table>`.',
    );
  const wanted = names.length === 0 ? phases.map((p) => p.name) : [...new Set(names)];
  const unknown = wanted.filter((n) => !phases.some((p) => p.name === n));
  if (unknown.length > 0) {
    throw new Error(`unknown phase ${unknown.map((n) => JSON.stringify(n)).join(', ')}; known phases: ${phases.map((p) => p.name).join(', ')}`);
  }
  return phases.filter((p) => wanted.includes(p.name));
}

const IDENT = /^[a-z_][a-z0-9_$]*$/i;
const qualifiedName = z.string().refine((v) => v.split('.').length === 2 && v.split('.').every((p) => IDENT.test(p)), 'must be schema.name');
const phaseFile = z.array(
  z
    .object({
      name: z.string().regex(/^[a-z][a-z0-9_-]*$/),
      description: z.string().default(''),
      dependsOn: z.array(z.string()).default([]),
      steps: z
        .array(
          z
            .object({
              source: qualifiedName,
              procedure: qualifiedName,
              key: z.string().regex(IDENT),
              after: z.array(qualifiedName).optional(),
              isolation: z.enum(['read committed', 'repeatable read', 'serializable']).optional(),
              incremental: z.boolean().optional(),
            })
            .strict(),
        )
        .min(1),
      outputs: z
        .array(qualifiedName)
        .min(1)
        .refine((o) => new Set(o.map((t) => t.split('.')[0])).size === 1, 'output tables must all be in one schema')
        .refine(
          (o) => o.every((t) => t.split('.')[0]!.length <= 40),
          'an output schema name may have at most 40 characters (its versions are parked in <schema>__run<id>)',
        )
        .optional(),
      blueGreen: z.boolean().optional(),
      checks: z.array(z.object({ name: z.string().min(1).max(100), sql: z.string().min(1) }).strict()).optional(),
    })
    .strict()
    .refine((p) => !p.blueGreen || p.outputs, { message: 'a blueGreen phase must list its outputs', path: ['outputs'] })
    .refine((p) => !p.checks || p.blueGreen, { message: 'checks run on a blue-green build: set blueGreen', path: ['checks'] }),
);

/**
 * Phases from a JSON file (PGPHASE_PHASES), for projects that add their own phases without
 * touching the runner: an array of `{ name, description, dependsOn, steps: [{ source,
 * procedure, key, after }], outputs, blueGreen, checks: [{ name, sql }] }`. Without a file, the
 * none: the framework has no phases of its own (an application passes its list, see runner/odds/).
 */
export function loadPhases(path: string | undefined = process.env.PGPHASE_PHASES): readonly Phase[] {
  if (!path) return [];
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new UsageError(`cannot read the phases file ${path}: ${(error as Error).message}`);
  }
  const parsed = phaseFile.safeParse(data);
  if (!parsed.success) {
    throw new UsageError(`invalid phases file ${path}:\n${parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n')}`);
  }
  return parsed.data;
}
