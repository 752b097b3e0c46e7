/** `pgphase resume [RUN]`: lifts a pause; the runner processes go on within one health interval. */
import { hostname, userInfo } from 'node:os';
import type pg from 'pg';
import { z } from 'zod';
import { withClient } from '../db/database.js';
import { EXIT } from '../errors.js';
import { setPause } from '../run/control.js';
import { resolveRun, type UnfinishedRun } from '../run/runLife.js';
import { type Session, withDatabase } from '../session.js';
import { defineCommand } from './spec.js';

/** Who gives an operator command, for the ledger: user@host. */
export const operator = () => `${userInfo().username}@${hostname()}`;

export const RUN_ARG = { name: '[run]', description: 'run id (default: the newest unfinished run)' } as const;

/** Resolves the run argument and applies `change` to it in one connection. */
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

export const resumeCommand = defineCommand({
  name: 'resume',
  description: 'resume a paused run: its runner processes go on with their next batch',
  args: [RUN_ARG],
  input: z.object({ run: z.string().optional() }),
  run: (session, input) => onRun(session, input.run, 'pgphase resume', (c, r) => setPause(c, r.id, { paused: false, by: operator() })),
  render: (run) => ({
    stdout: `run ${run.id} resumed${run.live ? '' : `; no runner process is working on it: start one with \`pgphase run ${run.phases.join(' ')}\``}`,
    exitCode: EXIT.ok,
  }),
});
