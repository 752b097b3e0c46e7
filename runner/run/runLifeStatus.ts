/**
 * What `status` says about a run that is not finished: live (a runner process holds a lease on it),
 * paused, throttled, stopped by the error budget or a critical threshold, interrupted (no runner
 * process is alive), or abandoned; and how to go on.
 */
import type pg from 'pg';
import type { RunSummary } from '../ledger/runStatus.js';
import { hasRunControl, unfinishedRuns } from '../ledger/runLife.js';

export interface RunLife {
  readonly live: boolean;
  readonly paused: boolean;
  readonly stopped: string | null;
  readonly pauseReason: string | null;
  readonly throttled: string | null;
  readonly abandoned: boolean;
}

/** Adds `life` to the runs marked running (no-op before pgphase's run tables exist). */
export async function lifeOf<T extends RunSummary>(c: pg.ClientBase, runs: T[]): Promise<(T & { life?: RunLife })[]> {
  if (!runs.some((r) => r.status === 'running')) return runs;
  if (!(await hasRunControl(c))) return runs;
  const unfinished = new Map((await unfinishedRuns(c)).map((u) => [u.id, u]));
  return runs.map((r) => {
    if (r.status !== 'running') return r;
    const u = unfinished.get(r.id);
    if (!u) return { ...r, life: { live: false, paused: false, stopped: null, pauseReason: null, throttled: null, abandoned: true } };
    const stopped = u.paused && u.pauseKind === 'stop' ? u.pauseReason : null;
    return { ...r, life: { live: u.live, paused: u.paused && !stopped, stopped, pauseReason: u.pauseReason, throttled: u.throttled, abandoned: false } };
  });
}

export function describeLife(life: RunLife, phases: readonly string[]): { label: string; detail: string | null } {
  const resume = `resume with \`pgphase run ${phases.join(' ')}\``;
  if (life.abandoned) return { label: 'ABANDONED', detail: 'left unfinished by `pgphase run --new --abandon`' };
  if (life.stopped)
    return { label: life.live ? 'STOPPING' : 'STOPPED', detail: `${life.stopped}; nothing is lost: fix the cause (or raise the limit), then ${resume}` };
  if (life.paused)
    return {
      label: life.live ? 'PAUSED (live)' : 'PAUSED',
      detail: `${life.pauseReason ?? 'paused'}${life.live ? '' : `; no runner process is alive: \`pgphase resume\`, then ${resume}`}`,
    };
  if (!life.live) return { label: 'INTERRUPTED', detail: `no runner process is alive (stopped by Ctrl-C, a crash or a lost host); it is resumable: ${resume}` };
  if (life.throttled) return { label: 'THROTTLED (live)', detail: life.throttled };
  return { label: 'RUNNING (live)', detail: null };
}
