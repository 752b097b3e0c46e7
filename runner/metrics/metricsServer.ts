/**
 * Serves a registry at `http://HOST:PORT/metrics` for Prometheus (127.0.0.1 by default: expose
 * it on purpose, with --metrics-host). Anything else gets a 404. The server is started before
 * the run touches the database, so a taken port fails fast with a clear error.
 */
import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';
import { UsageError } from '../errors.js';

export interface MetricsServer {
  readonly url: string;
  close(): Promise<void>;
}

export async function startMetricsServer(registry: Registry, port: number, host = '127.0.0.1'): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' || path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('pgphase serves /metrics only\n');
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (error: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${String(error)}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        new UsageError(
          `cannot serve metrics on ${host}:${port}: ${error.code === 'EADDRINUSE' ? 'the port is in use' : error.message}`,
          'Pick a free port with --metrics-port (each runner process needs its own), or another address with --metrics-host.',
        ),
      );
    });
    server.listen(port, host, () => resolve());
  });
  server.on('error', () => {}); // after listening, a client's broken socket must not end the run
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
