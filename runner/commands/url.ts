/**
 * `pgphase url`: the connection string of the server pgphase's commands use, for psql or a load
 * script. With DATABASE_URL, that URL with its password hidden (it is the caller's own secret and
 * pgphase prints no password). With the embedded server: its URL, and the server is held up until
 * Ctrl-C, since it stops when the command that started it ends (other commands started meanwhile
 * attach to it).
 */
import { z } from 'zod';
import { EXIT, redact } from '../errors.js';
import { withDatabase } from '../session.js';
import { defineCommand } from './spec.js';

export const urlCommand = defineCommand({
  name: 'url',
  description: "print the connection string of the server commands use; the embedded server's is printed and held up until Ctrl-C",
  input: z.object({}),
  run: (session) =>
    withDatabase(session, async (db) => {
      if (db.kind === 'external') return { url: redact(db.url), held: false };
      // The URL is needed while the server is held, before render() could print it.
      // eslint-disable-next-line no-restricted-properties
      process.stdout.write(`${db.url}\n`);
      session.log.info('holding the embedded server for other clients (psql, a load script); Ctrl-C stops it');
      // Until the signal stops the process (and the server with it); the timer keeps Node from exiting.
      await new Promise<never>(() => setInterval(() => {}, 60_000));
      return { url: db.url, held: true };
    }),
  render: (r: { url: string; held: boolean }) => ({ stdout: r.held ? undefined : r.url, exitCode: EXIT.ok }),
});
