/**
 * Writes each wait on the health gate that RunStats hears of (`throttled(reason, ms)`) to
 * pgphase.throttle_events, so that the run's report can shade it whichever process waited.
 * Writes are observability: one that fails is logged and the run goes on. `flush` waits for
 * those in flight (before the report is built).
 */
import type { Log } from '../log.js';
import type { RunStats } from './stats.js';

export interface ThrottleRecorder {
  flush(): Promise<void>;
}

export function recordThrottlePeriods(
  stats: RunStats,
  write: (reason: string, endedAt: Date, ms: number) => Promise<void>,
  log: Log,
): ThrottleRecorder {
  const pending = new Set<Promise<void>>();
  stats.observe({
    throttled(reason, ms) {
      if (!(ms > 0)) return;
      const p = write(reason, new Date(), ms)
        .catch((error: unknown) => log.warn(`could not record a throttle period (${reason}): ${(error as Error).message}`))
        .finally(() => pending.delete(p));
      pending.add(p);
    },
  });
  return { flush: async () => void (await Promise.all([...pending])) };
}
