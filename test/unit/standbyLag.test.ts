import { describe, expect, it } from 'vitest';
import { boundedLag, newLagMemory, replicaLagOf, walSenderLag, type WalSenderReading } from '../../runner/health/standbyLag.js';

const delayed: WalSenderReading = { pid: 7, replayMs: 3_200, flushMs: 0, replayedMark: null };

describe('standby lag', () => {
  it('counts no more lag than the time since a standby was last found caught up, or first read', () => {
    const seen = new Map<string, number>();
    expect(boundedLag(seen, 's', 44_100, 1_000)).toBe(0); // first reading after an idle primary
    expect(boundedLag(seen, 's', 44_100, 2_500)).toBe(1_500);
    expect(boundedLag(seen, 's', 0, 3_000)).toBe(0);
    expect(boundedLag(seen, 's', 400, 3_300)).toBe(300);
    expect(boundedLag(seen, 's', 200, 9_000)).toBe(200);
  });

  it('judges a pg_stat_replication standby by replay until it replayed the mark, then by flushed WAL', () => {
    const memory = newLagMemory();
    expect(walSenderLag([delayed], memory, 0, false)).toBe(0);
    expect(walSenderLag([delayed], memory, 5_000, false)).toBe(3_200);
    memory.mark = '0/3000000';
    expect(walSenderLag([{ ...delayed, replayedMark: false }], memory, 6_000, false)).toBe(3_200);
    expect(walSenderLag([{ ...delayed, replayedMark: true }], memory, 8_000, false)).toBe(0);
    expect(walSenderLag([{ ...delayed, replayedMark: true, flushMs: 2_000 }], memory, 12_000, false)).toBe(2_000);
  });

  it('reads only flushed WAL on pg_stat_replication when --replica servers are given', () => {
    const memory = newLagMemory();
    walSenderLag([delayed], memory, 0, true);
    expect(walSenderLag([delayed], memory, 5_000, true)).toBe(0);
    expect(walSenderLag([{ ...delayed, flushMs: 1_500 }], memory, 9_000, true)).toBe(1_500);
    expect(walSenderLag([], memory, 9_000, true)).toBeNull();
    expect(memory.walSenders.size).toBe(0);
  });

  it('takes a --replica standby that waits out its apply delay as caught up, and its delay off the age of what it replayed', () => {
    expect(replicaLagOf({ caughtUp: false, delaying: true, ageMs: 44_100, delayMs: 3_000 })).toBe(0);
    expect(replicaLagOf({ caughtUp: true, delaying: false, ageMs: 44_100, delayMs: 0 })).toBe(0);
    expect(replicaLagOf({ caughtUp: false, delaying: false, ageMs: 5_500, delayMs: 3_000 })).toBe(2_500);
    expect(replicaLagOf({ caughtUp: false, delaying: false, ageMs: 2_000, delayMs: 3_000 })).toBe(0);
    expect(replicaLagOf({ caughtUp: false, delaying: false, ageMs: null, delayMs: 0 })).toBeNull();
  });
});
