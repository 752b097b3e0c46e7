import { describe, expect, it } from 'vitest';
import { connectFailure } from '../../runner/db/database.js';
import { EXIT, isConnectTimeout, isTransient, wrapError } from '../../runner/errors.js';
import { recordedState, sessionLost } from '../../runner/run/connection.js';

// pg's own errors when connectionTimeoutMillis passes (client.connect and pool checkout).
const CLIENT_TIMEOUT = () => new Error('timeout expired');
const POOL_TIMEOUT = () => new Error('timeout exceeded when trying to connect');

describe('a connect timeout is a connection failure', () => {
  it('maps to exit code 3 with a hint naming PGPHASE_CONNECT_TIMEOUT', () => {
    for (const error of [CLIENT_TIMEOUT(), POOL_TIMEOUT()]) {
      expect(isConnectTimeout(error)).toBe(true);
      const wrapped = wrapError(error, 'could not connect to the database');
      expect(wrapped.exitCode).toBe(EXIT.database);
      expect(wrapped.hint).toContain('PGPHASE_CONNECT_TIMEOUT');
    }
    const failure = connectFailure(CLIENT_TIMEOUT(), 1500) as ReturnType<typeof wrapError>;
    expect(failure.message).toBe('could not connect to the database: no answer within 1500 ms (PGPHASE_CONNECT_TIMEOUT)');
    expect(failure.exitCode).toBe(EXIT.database);
  });

  it('is retried by the runner like a lost connection', () => {
    expect(isTransient(CLIENT_TIMEOUT())).toBe(true);
    expect(isTransient(POOL_TIMEOUT())).toBe(true);
    expect(sessionLost(CLIENT_TIMEOUT())).toBe(true);
    expect(recordedState(CLIENT_TIMEOUT())).toBe('08006');
  });

  it('is not confused with a statement or lock timeout', () => {
    const statement = Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' });
    expect(isConnectTimeout(statement)).toBe(false);
    expect(isTransient(statement)).toBe(false);
  });
});
