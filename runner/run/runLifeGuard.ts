/**
 * `run --new` beside an unfinished run refuses (a new user would leave the old one behind
 * without a word) unless `--abandon`, which records the abandonment (pgphase.run_control) and
 * closes the old run as failed; a live run (a runner process works on it) is never abandoned.
 * A plain `run` names the unfinished runs it does not resume.
 */
import type pg from 'pg';
import { UsageError } from '../errors.js';
import type { Log } from '../log.js';
import { abandonRun } from '../ledger/control.js';
import { unfinishedRuns, type UnfinishedRun } from '../ledger/runLife.js';
import { closeAbandonedRun } from '../ledger/runState.js';

const name = (r: UnfinishedRun) => `run ${r.id} [${r.phases.join(', ')}] (${r.live ? 'live' : r.paused ? 'paused' : 'interrupted'})`;

export async function checkUnfinished(c: pg.ClientBase, options: { abandon: boolean; by: string; log: Log }): Promise<void> {
  const runs = await unfinishedRuns(c);
  if (runs.length === 0) return;
  if (!options.abandon) {
    throw new UsageError(
      `${runs.map(name).join(', ')} ${runs.length === 1 ? 'is' : 'are'} unfinished; --new would leave ${runs.length === 1 ? 'it' : 'them'} behind`,
      `Resume with \`pgphase run ${runs[0]!.phases.join(' ')}\`, or give up on ${runs.length === 1 ? 'it' : 'them'} with \`pgphase run --new --abandon\`.`,
    );
  }
  const live = runs.filter((r) => r.live);
  if (live.length) {
    throw new UsageError(
      `${live.map(name).join(', ')} ${live.length === 1 ? 'has' : 'have'} a runner process working on it; it cannot be abandoned`,
      'Stop that runner process (Ctrl-C) first, or wait for it to finish.',
    );
  }
  for (const r of runs) {
    await abandonRun(c, r.id, options.by);
    await closeAbandonedRun(c, r.id, options.by);
    options.log.warn(`abandoned ${name(r)}: its rows so far stay; it will not be resumed`);
  }
}

/** Lines naming the unfinished runs other than `runId`. */
export async function otherUnfinished(c: pg.ClientBase, runId: string): Promise<string[]> {
  return (await unfinishedRuns(c))
    .filter((r) => r.id !== runId)
    .map(
      (r) =>
        `also unfinished: ${name(r)}; resume it with \`pgphase run ${r.phases.join(' ')}\` once this run is done, or abandon it with \`pgphase run --new --abandon\``,
    );
}
