/**
 * node-postgres reads timestamps in the ISO output format only: under a DBA's `DateStyle` of
 * `SQL, DMY` or `German` it returns null for every timestamp (and `status` would crash on it).
 * Every connection pgphase opens asks for ISO output once, after it connects. A session SET of
 * DateStyle is safe behind PgBouncer, which tracks it per client and restores it on whichever
 * server connection the client gets; a startup parameter would not be. How dates are *read*
 * from text (the DMY/MDY order) is unaffected: pgphase's SQL never relies on it.
 */
import type pg from 'pg';

export const ISO_OUTPUT = `SET DateStyle = 'ISO'`;

/** Asks for ISO date output on a connected client. */
export async function readableSession(client: pg.ClientBase): Promise<void> {
  await client.query(ISO_OUTPUT);
}
