/**
 * `migrate --to <name>` and `down --to <name>`: which migrations a named target selects. Pure.
 * Up: the pending migrations in order, through the target. Down: the applied migrations after the
 * target, newest first (the target stays applied).
 */
import { UsageError } from '../errors.js';

interface Named {
  readonly name: string;
}

function unknown(to: string, names: readonly string[]): UsageError {
  return new UsageError(
    `no migration named ${JSON.stringify(to)}`,
    `Use a file name without .sql, e.g. ${names.at(-1) ?? '0001_create_things'}; see \`pgphase status\`.`,
  );
}

export function pendingThrough<T extends Named>(files: readonly T[], applied: ReadonlySet<string>, to?: string): T[] {
  const pending = files.filter((f) => !applied.has(f.name));
  if (to === undefined) return pending;
  if (!files.some((f) => f.name === to))
    throw unknown(
      to,
      files.map((f) => f.name),
    );
  const at = pending.findIndex((f) => f.name === to);
  return at < 0 ? [] : pending.slice(0, at + 1);
}

/** How many applied migrations `down --to` reverts (those applied after `to`). */
export function downCountTo(appliedInOrder: readonly string[], to: string): number {
  const at = appliedInOrder.indexOf(to);
  if (at < 0) throw new UsageError(`migration ${JSON.stringify(to)} is not applied`, 'down --to names an applied migration to keep; see `pgphase status`.');
  return appliedInOrder.length - 1 - at;
}
