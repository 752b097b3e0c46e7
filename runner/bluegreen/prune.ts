/**
 * `prune`: drops the parked versions of a phase that are neither live nor a pending build (the
 * previous one, and those retired or rolled back from), on the swap's lock ladder.
 * Afterwards `rollback` has nothing to go back to.
 */
import type pg from 'pg';
import { budgetsText, LockLadderExhausted, lockTransaction, withLockRetries } from '../db/lockRetry.js';
import { LockTimeoutError } from '../errors.js';
import type { BlueGreenTarget } from './names.js';
import { dropParked } from './shadow.js';
import type { SwapOptions } from './swap.js';
import { phaseVersions, setState } from './versions.js';

export interface PruneResult {
  readonly phase: string;
  readonly dropped: { readonly runId: string | null; readonly schema: string }[];
}

export async function prune(client: pg.ClientBase, target: BlueGreenTarget, options: SwapOptions): Promise<PruneResult> {
  try {
    const { value } = await withLockRetries(
      (lockTimeoutMs) =>
        lockTransaction(client, lockTimeoutMs, async () => {
          const v = await phaseVersions(client, target.phase, true);
          const old = [...(v.previous ? [v.previous] : []), ...v.retired];
          for (const version of old) {
            await dropParked(client, version.parkedSchema, version.tables);
            await setState(client, version.id, 'dropped');
          }
          return { phase: target.phase, dropped: old.map((o) => ({ runId: o.runId, schema: o.parkedSchema })) };
        }),
      { ...options, what: `prune of ${target.phase}` },
    );
    return value;
  } catch (error) {
    if (!(error instanceof LockLadderExhausted)) throw error;
    throw new LockTimeoutError(
      `prune of phase ${target.phase} could not lock the old versions' tables in ${error.attempts.length} attempts (waiting ${budgetsText(error.attempts)} each); nothing was dropped`,
      {
        cause: error.lastError,
        hint: 'A session is reading a parked version (or the table its foreign keys reference); try again when it is done.',
      },
    );
  }
}
