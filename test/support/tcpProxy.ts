/**
 * A TCP proxy on loopback in front of a server, that can go silent: while silent it accepts
 * connections and swallows every byte in both directions, as a peer behind a dead network path
 * does (nothing refused, nothing answered). Forwarding resumes for new connections only: the bytes
 * swallowed are gone, so a connection that lost some never recovers.
 */
import { createServer, connect, type Socket } from 'node:net';

export interface TcpProxy {
  /** `url` with the proxy's host and port. */
  readonly url: string;
  silent: boolean;
  close(): Promise<void>;
}

export async function startTcpProxy(url: string): Promise<TcpProxy> {
  const target = new URL(url);
  const sockets = new Set<Socket>();
  const proxy = { silent: false };
  const track = (s: Socket) => {
    sockets.add(s);
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
  };
  const server = createServer((client) => {
    track(client);
    const upstream = connect(Number(target.port || 5432), target.hostname);
    track(upstream);
    client.on('data', (chunk) => void (proxy.silent || upstream.write(chunk)));
    upstream.on('data', (chunk) => void (proxy.silent || client.write(chunk)));
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const proxied = new URL(url);
  proxied.hostname = '127.0.0.1';
  proxied.port = String(port);
  return Object.assign(proxy, {
    url: proxied.toString(),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}
