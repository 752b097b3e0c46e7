/**
 * The workers of one runner process, kept at the count the operator wants: `target()` (the
 * run's `pgphase tune --workers`, within this process's ceiling) is re-read every interval; a
 * worker beyond it finishes its batch and leaves, a missing one is started again while the run
 * goes on. Resolves once no worker is left: the run is settled, stopping, or stopped.
 */
import type { Log } from '../log.js';
import type { WorkerEnd } from './worker.js';
import { sleep } from '../sleep.js';

export interface PoolOptions {
  /** The worker count wanted now. */
  readonly target: () => number;
  /** Whether no new worker may start (the run is stopping or stopped). */
  readonly halted: () => boolean;
  readonly intervalMs: number;
  readonly log: Log;
  /** Starts worker `i`, which may go on while `allowed()`. */
  readonly start: (i: number, allowed: () => boolean) => Promise<WorkerEnd>;
  /** The live workers (shared with the health gate's heartbeat). */
  readonly live: Map<number, Promise<void>>;
}

/** Runs the workers; returns whether one of them found the run settled. */
export async function runWorkerPool(o: PoolOptions, settled: boolean): Promise<boolean> {
  let finished = settled;
  const launch = (i: number) => {
    const worker = o
      .start(i, () => i <= o.target())
      .then((end) => {
        o.live.delete(i);
        if (end === 'done') finished = true;
        else if (end === 'left') o.log.info(`worker ${i} left (pgphase tune --workers ${o.target()})`);
      });
    o.live.set(i, worker);
  };
  const topUp = () => {
    if (finished || o.halted()) return;
    for (let i = 1; i <= o.target(); i++) if (!o.live.has(i)) launch(i);
  };
  topUp();
  while (o.live.size > 0) {
    await Promise.race([...o.live.values(), sleep(o.intervalMs)]);
    topUp();
  }
  return finished;
}
