/**
 * Writes the waits on the health gate that RunStats hears of (`throttled(reason, ms)`) to
 * pgphase.throttle_events, so that the run's report can shade them whichever process waited.
 * The gate reports a long wait as many contiguous slices (one per re-check); they are joined
 * into one period in memory and written when the period ends (another reason, a gap, or
 * `flush`), or every CHUNK_MS while it lasts. A write per re-check would add a commit to the
 * primary every health interval while the run is held back, which is what throttling is for
 * avoiding: behind a replica with an apply delay, those commits alone kept the lag up (found by
 * replicaLag.test.ts). Writes are observability: one that fails is logged and the run goes on.
 * `flush` writes the open period and waits for those in flight (before the report is built).
 */
import type { Log } from '../log.js';
import type { RunStats } from './stats.js';

export interface ThrottleRecorder {
  flush(): Promise<void>;
}

/** A period still open is written at least this often, so a report drawn mid-run sees it. */
const CHUNK_MS = 60_000;
/** Slices whose start is this close to the open period's end continue it. */
const CONTIGUOUS_MS = 250;

interface Period {
  reason: string;
  endedAt: number;
  ms: number;
}

export function recordThrottlePeriods(stats: RunStats, write: (reason: string, endedAt: Date, ms: number) => Promise<void>, log: Log): ThrottleRecorder {
  const pending = new Set<Promise<void>>();
  let open: Period | null = null;
  const emit = (period: Period) => {
    const p = write(period.reason, new Date(period.endedAt), period.ms)
      .catch((error: unknown) => log.warn(`could not record a throttle period (${period.reason}): ${(error as Error).message}`))
      .finally(() => pending.delete(p));
    pending.add(p);
  };
  stats.observe({
    throttled(reason, ms) {
      if (!(ms > 0)) return;
      const now = Date.now();
      if (open && open.reason === reason && Math.abs(now - ms - open.endedAt) <= CONTIGUOUS_MS) {
        open.ms += ms;
        open.endedAt = now;
      } else {
        if (open) emit(open);
        open = { reason, endedAt: now, ms };
      }
      if (open.ms >= CHUNK_MS) {
        emit(open);
        open = null;
      }
    },
  });
  return {
    flush: async () => {
      if (open) emit(open);
      open = null;
      await Promise.all([...pending]);
    },
  };
}
