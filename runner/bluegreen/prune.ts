/**
 * `prune`: drops the parked versions of a phase that are neither live nor a pending build (the
 * previous one, and those retired or rolled back from), under the swap's lock_timeout and ladder.
 * Afterwards `rollback` has nothing to go back to.
 */
import type pg from 'pg';
import { transaction } from '../db/transaction.js';
import { LOCK_NOT_AVAILABLE, LockTimeoutError, sqlstateOf } from '../errors.js';
import { silentLog } from '../log.js';
import { lockBackoffMs } from '../migrate/migrate.js';
import type { BlueGreenTarget } from './names.js';
import { dropParked } from './shadow.js';
import type { SwapOptions } from './swap.js';
import { phaseVersions, setState } from './versions.js';
import { sleep as realSleep } from '../sleep.js';

export interface PruneResult {
  readonly phase: string;
  readonly dropped: { readonly runId: string | null; readonly schema: string }[];
}

export async function prune(client: pg.ClientBase, target: BlueGreenTarget, options: SwapOptions): Promise<PruneResult> {
  const log = options.log ?? silentLog;
  const sleep = options.sleep ?? realSleep;
  for (let n = 0; ; n++) {
    try {
      return await transaction(client, async () => {
        await client.query(`SELECT set_config('lock_timeout', $1, true)`, [`${options.lockTimeoutMs}ms`]);
        const v = await phaseVersions(client, target.phase, true);
        const old = [...(v.previous ? [v.previous] : []), ...v.retired];
        for (const version of old) {
          await dropParked(client, version.parkedSchema, version.tables);
          await setState(client, version.id, 'dropped');
        }
        return { phase: target.phase, dropped: old.map((o) => ({ runId: o.runId, schema: o.parkedSchema })) };
      });
    } catch (error) {
      if (sqlstateOf(error) !== LOCK_NOT_AVAILABLE) throw error;
      if (n >= options.retries) {
        throw new LockTimeoutError(
          `prune of phase ${target.phase} could not lock the old versions' tables within ${options.lockTimeoutMs} ms in ${n + 1} attempts; nothing was dropped`,
          {
            cause: error,
            hint: 'A session is reading a parked version (or the table its foreign keys reference); try again when it is done.',
          },
        );
      }
      const delay = lockBackoffMs(n, options.retryBaseMs);
      log.warn(`prune of ${target.phase}: tables busy; retry ${n + 1} of ${options.retries} in ${delay} ms`);
      await sleep(delay);
    }
  }
}
