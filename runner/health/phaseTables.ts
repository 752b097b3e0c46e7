/**
 * The tables a run reads or writes, for the health gate's anti-wraparound autovacuum signal:
 * each step's source, and each declared output (`outputs` in the phases file) in the schema the
 * run writes it to: a blue-green build's shadow schema, else the output's own. Tables a
 * procedure writes without declaring them (the staging phase's) are not known to the runner.
 */
import type { Phase } from '../phases.js';

export function phaseTables(phases: readonly Phase[], outputSchemas: ReadonlyMap<string, string>): string[] {
  const tables = phases.flatMap((p) => [
    ...p.steps.map((s) => s.source),
    ...(p.outputs ?? []).map((t) => {
      const [schema, table] = t.split('.') as [string, string];
      return `${outputSchemas.get(p.name) ?? schema}.${table}`;
    }),
  ]);
  return [...new Set(tables)];
}
