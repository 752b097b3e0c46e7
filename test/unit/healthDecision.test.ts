import { describe, expect, it } from 'vitest';
import { DEFAULT_THRESHOLDS, decideHealth, type HealthSample, withDeadline } from '../../runner/health/healthDecision.js';

const healthy: HealthSample = {
  replicaLagMs: 0,
  activeBackends: 3,
  oldestXact: null,
  oldestSlot: null,
  blockedByRunner: 0,
  wraparoundVacuum: [],
  throttleQuery: null,
  pause: null,
};
const t = DEFAULT_THRESHOLDS;

describe('health decision', () => {
  it('lets a healthy server through, and no replica (null lag) is healthy', () => {
    expect(decideHealth(healthy, t)).toEqual({ state: 'ok' });
    expect(decideHealth({ ...healthy, replicaLagMs: null, throttleQuery: false }, t)).toEqual({ state: 'ok' });
  });

  it('throttles on each signal over its threshold, saying which and by how much', () => {
    expect(decideHealth({ ...healthy, replicaLagMs: 3_240 }, t)).toEqual({ state: 'throttle', reason: 'replica lag', message: 'replica lag 3.2 s > 1 s' });
    expect(decideHealth({ ...healthy, replicaError: 'connection refused' }, t)).toMatchObject({
      reason: 'replica lag',
      message: 'replica lag unknown: connection refused',
    });
    expect(decideHealth({ ...healthy, activeBackends: 26 }, t)).toMatchObject({ state: 'throttle', reason: 'load', message: 'load 26 active backends > 25' });
    expect(decideHealth({ ...healthy, oldestXact: { pid: 42, ageMs: 301_000 } }, t)).toMatchObject({
      reason: 'xmin horizon',
      message: 'xmin horizon: transaction of pid 42 open 301 s > 300 s',
    });
    expect(decideHealth({ ...healthy, oldestSlot: { holder: 'replication slot etl', xids: 200_000_000 } }, t)).toMatchObject({ reason: 'xmin horizon' });
    expect(decideHealth({ ...healthy, blockedByRunner: 1 }, t)).toMatchObject({ state: 'throttle', reason: 'lock waits' });
    expect(decideHealth({ ...healthy, wraparoundVacuum: ['raw.games'] }, t)).toMatchObject({
      reason: 'wraparound vacuum',
      message: 'anti-wraparound autovacuum on raw.games',
    });
    expect(decideHealth({ ...healthy, throttleQuery: true }, t)).toMatchObject({ state: 'throttle', reason: 'throttle query' });
    expect(decideHealth({ ...healthy, pause: { kind: 'operator', reason: 'paused by ops' } }, t)).toMatchObject({
      state: 'throttle',
      reason: 'paused',
      message: 'paused by ops',
    });
  });

  it('does not throttle at the threshold itself', () => {
    expect(decideHealth({ ...healthy, replicaLagMs: 1_000, activeBackends: 25, oldestXact: { pid: 1, ageMs: 300_000 } }, t)).toEqual({ state: 'ok' });
  });

  it('stops past a critical threshold, and on a stop-pause (error budget), before anything else', () => {
    const critical = { ...t, criticalLagMs: 60_000, criticalActive: 50, criticalXactAgeMs: 3_600_000 };
    expect(decideHealth({ ...healthy, replicaLagMs: 61_000, blockedByRunner: 2 }, critical)).toMatchObject({
      state: 'stop',
      reason: 'replica lag',
      message: 'replica lag 61 s > critical 60 s',
    });
    expect(decideHealth({ ...healthy, activeBackends: 51 }, critical)).toMatchObject({ state: 'stop', reason: 'load' });
    expect(decideHealth({ ...healthy, oldestXact: { pid: 7, ageMs: 3_700_000 } }, critical)).toMatchObject({ state: 'stop', reason: 'xmin horizon' });
    expect(decideHealth({ ...healthy, pause: { kind: 'stop', reason: 'error budget' } }, critical)).toMatchObject({ state: 'stop', reason: 'paused' });
    expect(decideHealth({ ...healthy, replicaLagMs: 61_000 }, t)).toMatchObject({ state: 'throttle' });
  });

  it('turns a throttle that lasts past its deadline into a stop; a pause has its own deadline', () => {
    const d = decideHealth({ ...healthy, replicaLagMs: 5_000 }, t);
    const limits = { throttleMs: 60_000, pauseMs: 600_000 };
    expect(withDeadline(d, 0, 60_000, limits)).toBe(d);
    expect(withDeadline(d, 0, 60_001, limits)).toMatchObject({
      state: 'stop',
      reason: 'replica lag',
      message: 'throttled for more than 60 s (replica lag 5 s > 1 s)',
    });
    const paused = decideHealth({ ...healthy, pause: { kind: 'operator', reason: 'paused' } }, t);
    expect(withDeadline(paused, 0, 60_001, limits)).toBe(paused);
    expect(withDeadline(paused, 0, 600_001, limits)).toMatchObject({ state: 'stop' });
    expect(withDeadline({ state: 'ok' }, 0, 1e9, limits)).toEqual({ state: 'ok' });
  });
});
