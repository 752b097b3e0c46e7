/**
 * Moving a run forward: finish the steps whose partitions are settled, block the steps that wait
 * on a failed one (a cascade, repeated until stable), plan the runnable ones (planStep.ts). The
 * statements are the ledger's (runner/ledger/runState.ts).
 */
import type pg from 'pg';
import { blockWaitingSteps, finishSettledSteps, openSteps, readySteps } from '../ledger/runState.js';
import { planStep } from './planStep.js';

/**
 * Moves the run forward: finishes steps whose partitions are all settled, blocks steps that wait
 * on a failed one, and plans the steps whose prerequisites are done. Returns whether every step
 * of the run is settled.
 */
export async function advanceRun(client: pg.ClientBase, runId: string, targetPartitions: (rows: number) => number): Promise<boolean> {
  await finishSettledSteps(client, runId);
  // Blocking can cascade (a step after a blocked step is blocked too): repeat until stable.
  for (;;) {
    if (!(await blockWaitingSteps(client, runId))) break;
  }
  const ready = await readySteps(client, runId);
  for (const step of ready) await planStep(client, runId, step, targetPartitions);
  return (await openSteps(client, runId)) === 0;
}
