/**
 * Progress: a cli-progress bar with rows/s and ETA on a terminal; a structured log line every
 * few seconds elsewhere (CI logs, log collectors); nothing when asked to be quiet.
 */
import cliProgress from 'cli-progress';
import type { Log } from '../log.js';
import type { RunStats } from './stats.js';

export interface Progress {
  setTotal(total: number): void;
  stop(): void;
}

export function startProgress(stats: RunStats, log: Log, mode: 'bar' | 'log' | 'none', label: string): Progress {
  const started = Date.now();
  let total = 0;
  const rate = () => Math.round(stats.rows / Math.max(0.001, (Date.now() - started) / 1000));
  if (mode === 'none') return { setTotal: () => {}, stop: () => {} };
  if (mode === 'bar') {
    const bar = new cliProgress.SingleBar(
      {
        format: `${label} [{bar}] {percentage}% | {value}/{total} rows | {rate} rows/s | ETA {eta_formatted}{state}`,
        stream: process.stderr,
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    );
    const state = () => (stats.throttleState ? ` | throttled: ${stats.throttleState}` : '');
    bar.start(1, 0, { rate: 0, state: '' });
    stats.onRows(() => bar.update(Math.min(stats.rows, Math.max(total, stats.rows)), { rate: rate(), state: state() }));
    const ticker = setInterval(() => bar.update({ rate: rate(), state: state() }), 1_000);
    ticker.unref();
    return {
      setTotal: (t) => {
        total = t;
        bar.setTotal(Math.max(1, t, stats.rows));
      },
      stop: () => {
        clearInterval(ticker);
        bar.stop();
      },
    };
  }
  const timer = setInterval(() => {
    const r = rate();
    const eta = total > stats.rows && r > 0 ? Math.round((total - stats.rows) / r) : null;
    // An estimate can fall short of the rows actually read: the total is never below them.
    const fields = { rows: stats.rows, total: Math.max(total, stats.rows), rowsPerSec: r, etaSeconds: eta, retries: stats.retries };
    if (stats.throttleState) log.info(`progress (throttled: ${stats.throttleState})`, { ...fields, throttled: stats.throttleState });
    else log.info('progress', fields);
  }, 5_000);
  timer.unref();
  return {
    setTotal: (t) => {
      total = t;
    },
    stop: () => clearInterval(timer),
  };
}
