import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { silentLog } from '../../runner/log.js';
import { RunStats } from '../../runner/run/stats.js';
import { recordThrottlePeriods } from '../../runner/run/throttleRecorder.js';

describe('throttle periods written to the ledger', () => {
  let written: { reason: string; ms: number }[];
  let stats: RunStats;
  let recorder: ReturnType<typeof recordThrottlePeriods>;
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
    written = [];
    stats = new RunStats();
    recorder = recordThrottlePeriods(stats, async (reason, _endedAt, ms) => void written.push({ reason, ms }), silentLog);
  });
  afterEach(() => vi.useRealTimers());

  const slice = (reason: string, ms: number) => {
    vi.advanceTimersByTime(ms);
    stats.throttled(reason, ms);
  };

  it('joins the gate’s contiguous re-checks into one period and writes nothing while it lasts', async () => {
    for (let i = 0; i < 50; i++) slice('replica lag', 100);
    expect(written).toEqual([]);
    await recorder.flush();
    expect(written).toEqual([{ reason: 'replica lag', ms: 5_000 }]);
  });

  it('starts a new period on another reason or after a gap', async () => {
    slice('replica lag', 100);
    slice('replica lag', 100);
    slice('load', 100);
    vi.advanceTimersByTime(5_000);
    slice('load', 100);
    await recorder.flush();
    expect(written).toEqual([
      { reason: 'replica lag', ms: 200 },
      { reason: 'load', ms: 100 },
      { reason: 'load', ms: 100 },
    ]);
  });

  it('writes a long period in chunks of a minute, so a report drawn mid-run sees it', async () => {
    for (let i = 0; i < 130; i++) slice('paused', 1_000);
    expect(written).toEqual([
      { reason: 'paused', ms: 60_000 },
      { reason: 'paused', ms: 60_000 },
    ]);
    await recorder.flush();
    expect(written.at(-1)).toEqual({ reason: 'paused', ms: 10_000 });
  });
});
