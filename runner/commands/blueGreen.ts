/** `pgphase promote <phase>`, `rollback <phase>` and `prune <phase>`: a blue-green phase's versions. */
import { z } from 'zod';
import { type BlueGreenOptions, promote, pruneVersions, rollback } from '../bluegreen/operations.js';
import type { PruneResult } from '../bluegreen/prune.js';
import type { SwapResult } from '../bluegreen/swap.js';
import { EXIT } from '../errors.js';
import { type Session, withDatabase } from '../session.js';
import { flag } from './flags.js';
import { defineCommand } from './spec.js';

export function formatSwap(kind: string, r: SwapResult): string {
  const live = r.live.runId === null ? 'the initial tables' : `run ${r.live.runId}`;
  const previous = r.previous
    ? ` (previous: ${r.previous.runId === null ? 'the initial tables' : `run ${r.previous.runId}`}, kept in ${r.previous.schema})`
    : '';
  return `${kind} ${r.phase}: live is now ${live}${previous}; ${r.ms} ms, ${r.attempts} attempt(s)`;
}

export function formatPrune(r: PruneResult, phase: string): string {
  const what = r.dropped.map((d) => `${d.runId === null ? 'the initial tables' : `run ${d.runId}`} (${d.schema})`);
  return `pruned ${phase}: ${what.length ? `dropped ${what.join(', ')}` : 'nothing to drop'}`;
}

const PHASE_ARG = [{ name: '<phase>', description: 'a blue-green phase' }];
const JSON_OPTION = [{ flags: '--json', description: 'print the result as JSON on stdout' }];
const input = z.object({ phase: z.string(), json: flag() });

/** Runs a blue-green operation on the session's database and phases. */
function onPhase<T>(session: Session, phase: string, op: (o: BlueGreenOptions) => Promise<T>): Promise<T> {
  return withDatabase(session, (db) => op({ url: db.url, config: session.config, phase, log: session.log, phaseList: session.phases }));
}

export const promoteCommand = defineCommand({
  name: 'promote',
  description:
    'expose the verified shadow build of a blue-green phase: one short transaction swaps it with the live tables, which are kept as the previous version',
  args: PHASE_ARG,
  options: JSON_OPTION,
  input,
  run: (session, o) => onPhase(session, o.phase, promote),
  render: (r, o) => ({ stdout: o.json ? JSON.stringify(r) : formatSwap('promoted', r), exitCode: EXIT.ok }),
});

export const rollbackCommand = defineCommand({
  name: 'rollback',
  description: 'bring the previous version of a blue-green phase back live (one short transaction); the version rolled back from is kept until prune',
  args: PHASE_ARG,
  options: JSON_OPTION,
  input,
  run: (session, o) => onPhase(session, o.phase, rollback),
  render: (r, o) => ({ stdout: o.json ? JSON.stringify(r) : formatSwap('rolled back', r), exitCode: EXIT.ok }),
});

export const pruneCommand = defineCommand({
  name: 'prune',
  description: 'drop the previous (and older parked) versions of a blue-green phase; rollback then has nothing to go back to',
  args: PHASE_ARG,
  options: JSON_OPTION,
  input,
  run: (session, o) => onPhase(session, o.phase, pruneVersions),
  render: (r, o) => ({ stdout: o.json ? JSON.stringify(r) : formatPrune(r, o.phase), exitCode: EXIT.ok }),
});
