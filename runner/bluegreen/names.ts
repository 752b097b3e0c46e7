/**
 * Where a blue-green phase's versions live (pure, no database). The live version's tables are in
 * the phase's output schema; every other version is parked in a schema of its own:
 * `<output schema>__run<run id>` for a build, `<output schema>__initial` for the tables that were
 * live before the first promote.
 */
import { UsageError } from '../errors.js';
import type { Phase } from '../phases.js';

export interface BlueGreenTarget {
  readonly phase: string;
  /** The schema readers read, e.g. `curated`. */
  readonly schema: string;
  /** Table names (without schema), in the phase's declared order. */
  readonly tables: readonly string[];
}

/** The output schema and tables of a phase that declares outputs; throws a usage error otherwise. */
export function targetOf(phase: Phase): BlueGreenTarget {
  const outputs = phase.outputs ?? [];
  if (outputs.length === 0) throw new UsageError(`phase ${phase.name} declares no output tables`, 'List them as "outputs" in the phases file.');
  const schemas = [...new Set(outputs.map((t) => t.split('.')[0]!))];
  if (schemas.length !== 1)
    throw new UsageError(`phase ${phase.name} writes to several schemas (${schemas.join(', ')})`, 'A blue-green phase keeps its output tables in one schema.');
  return { phase: phase.name, schema: schemas[0]!, tables: outputs.map((t) => t.split('.')[1]!) };
}

/** The schema a version is parked in while it is not live. */
export function parkedSchema(schema: string, runId: string | null): string {
  return runId === null ? `${schema}__initial` : `${schema}__run${runId}`;
}

/** The blue-green phase named `name`, or a usage error naming the blue-green phases there are. */
export function blueGreenPhase(phases: readonly Phase[], name: string): Phase {
  const phase = phases.find((p) => p.name === name);
  const known = phases.filter((p) => p.blueGreen).map((p) => p.name);
  if (!phase || !phase.blueGreen) {
    throw new UsageError(
      `${phase ? 'phase' : 'unknown phase'} ${JSON.stringify(name)}${phase ? ' is not blue-green' : ''}`,
      known.length ? `Blue-green phases: ${known.join(', ')}.` : 'No phase is declared blueGreen in the phases configuration.',
    );
  }
  return phase;
}
