/** What `pause`, `resume` and `tune` share: the run argument, the operator's name, one connection to change a run. */
import { hostname, userInfo } from 'node:os';
import type pg from 'pg';
import { withClient } from '../db/database.js';
import { resolveRun, type UnfinishedRun } from '../ledger/runLife.js';
import { type Session, withDatabase } from '../session.js';

/** Who gives an operator command, for the ledger: user@host. */
export const operator = () => `${userInfo().username}@${hostname()}`;

export const RUN_ARG = { name: '[run]', description: 'run id (default: the newest unfinished run)' } as const;

/** Resolves the run argument (the newest unfinished run by default) and applies `change` to it. */
export function onRun(
  session: Session,
  arg: string | undefined,
  label: string,
  change: (c: pg.ClientBase, run: UnfinishedRun) => Promise<void>,
): Promise<UnfinishedRun> {
  return withDatabase(session, (db) =>
    withClient(db.url, label, async (c) => {
      const r = await resolveRun(c, arg);
      await change(c, r);
      return r;
    }),
  );
}
