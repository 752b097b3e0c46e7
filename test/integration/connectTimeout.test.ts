/**
 * A server that accepts the connection and never answers (a hung proxy, a firewall that lets
 * the SYN through): every command gives up after PGPHASE_CONNECT_TIMEOUT with exit code 3, an
 * `error:` line that names the limit reached and a `hint:` naming the setting.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

describe('a listener that accepts and never answers', () => {
  let server: Server;
  const sockets = new Set<Socket>();
  let url = '';
  beforeAll(async () => {
    server = createServer((socket) => {
      sockets.add(socket); // accept, read, never write
      socket.on('error', () => {});
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    url = `postgres://someone:secret@127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/db`;
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('every command exits 3 within the configured timeout, with a hint naming PGPHASE_CONNECT_TIMEOUT', async () => {
    const env = { DATABASE_URL: url, PGPHASE_CONNECT_TIMEOUT: '1500ms' };
    const commands = [
      ['migrate'],
      ['status'],
      ['down'],
      ['run'],
      ['generate', '--rows', '10'],
      ['demo', '--rows', '100'],
      ['quarantine', 'list'],
      ['quarantine', 'replay'],
      ['doctor'],
    ];
    const results = await Promise.all(commands.map((args) => runCli(args, env)));
    results.forEach((r, i) => {
      const what = `${commands[i]!.join(' ')}: ${r.stderr}`;
      expect(r.code, what).toBe(3);
      // The message names the configured limit (1500 ms, not the 10 s default): the setting is honoured.
      expect(r.stderr, what).toMatch(/^error: could not connect to the database: no answer within 1500 ms \(PGPHASE_CONNECT_TIMEOUT\)$/m);
      expect(r.stderr, what).toMatch(/^hint: .*PGPHASE_CONNECT_TIMEOUT/m);
      expect(r.stderr, what).not.toContain('secret');
    });
  });
});
