/**
 * Logging: structured pino lines on stderr when stderr is not a terminal (deploy pipelines,
 * log collectors), short human lines on a terminal. stdout is kept for results (`--json`).
 * Messages pass through `redact`, so a password in a connection string never reaches a log.
 */
import pino from 'pino';
import { redact } from './errors.js';

export interface Log {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export type LogFormat = 'json' | 'pretty' | 'silent';

export function createLog(options: { format?: LogFormat; verbose?: boolean } = {}): Log {
  const format = options.format ?? (process.env.PGPHASE_LOG as LogFormat | undefined) ?? (process.stderr.isTTY ? 'pretty' : 'json');
  const level = options.verbose ? 'debug' : 'info';
  if (format === 'silent') return silentLog;
  if (format === 'json') {
    const logger = pino({ level, base: { app: 'pgphase' } }, pino.destination({ fd: 2, sync: true }));
    const emit = (lvl: 'debug' | 'info' | 'warn' | 'error') => (message: string, fields?: Record<string, unknown>) =>
      logger[lvl](fields ? JSON.parse(redact(JSON.stringify(fields))) : {}, redact(message));
    return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
  }
  const write = (prefix: string) => (message: string, fields?: Record<string, unknown>) => {
    const extra = fields && Object.keys(fields).length ? ` ${redact(JSON.stringify(fields))}` : '';
    process.stderr.write(`${prefix}${redact(message)}${extra}\n`);
  };
  return {
    debug: options.verbose ? write('debug: ') : () => {},
    info: write(''),
    warn: write('warning: '),
    error: write('error: '),
  };
}

export const silentLog: Log = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
