/**
 * The metrics endpoint of one `runPipeline` call: created from its RunStats when a port is
 * given, closed when the run ends, after lingering `lingerMs` (so that Prometheus scrapes the
 * final state: counters and `pgphase_run_status{status="done"|"failed"}`) unless the run's
 * signal aborts first.
 */
import type { Log } from '../log.js';
import type { RunStats } from '../run/stats.js';
import { startMetricsServer } from './metricsServer.js';
import { createRunMetrics, type RunMetrics } from './runMetrics.js';

export interface MetricsOptions {
  readonly port?: number;
  readonly host?: string;
  readonly lingerMs?: number;
  readonly signal?: AbortSignal;
}

export interface ServedMetrics extends RunMetrics {
  readonly url: string;
  /** Lingers, then stops serving. */
  close(): Promise<void>;
}

export async function serveRunMetrics(stats: RunStats, options: MetricsOptions, log: Log): Promise<ServedMetrics | undefined> {
  if (options.port === undefined) return undefined;
  const metrics = createRunMetrics(stats);
  const server = await startMetricsServer(metrics.registry, options.port, options.host);
  log.info(`serving Prometheus metrics on ${server.url}`);
  return {
    ...metrics,
    url: server.url,
    close: async () => {
      const lingerMs = options.lingerMs ?? 0;
      if (lingerMs > 0 && !options.signal?.aborted) {
        log.info(`run ended; serving its final metrics for ${Math.round(lingerMs / 1000)} s more`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, lingerMs);
          options.signal?.addEventListener(
            'abort',
            () => {
              clearTimeout(timer);
              resolve();
            },
            { once: true },
          );
        });
      }
      await server.close();
    },
  };
}
