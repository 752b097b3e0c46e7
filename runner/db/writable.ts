/**
 * Commands that write (migrate, run, promote, quarantine replay) refuse a read-only session before
 * they change anything: a standby, or a primary where the DBA made `default_transaction_read_only`
 * the default for the database or the role. pgphase does not override that setting: it is a
 * DBA's statement that this login must not write here.
 */
import type pg from 'pg';
import { PgphaseError, EXIT, READ_ONLY_TRANSACTION } from '../errors.js';

export async function checkWritable(client: pg.ClientBase): Promise<void> {
  const { rows } = await client.query<{ recovery: boolean; read_only: string }>(
    `SELECT pg_is_in_recovery() AS recovery, current_setting('default_transaction_read_only') AS read_only`,
  );
  const { recovery, read_only } = rows[0]!;
  if (recovery) {
    throw new PgphaseError('DATABASE_URL points at a standby (pg_is_in_recovery() is true): pgphase writes, so it needs the primary', {
      exitCode: EXIT.usage,
      sqlstate: READ_ONLY_TRANSACTION,
      hint: 'Point DATABASE_URL at the primary.',
    });
  }
  if (read_only === 'on') {
    throw new PgphaseError(
      'transactions are read-only by default for this login (default_transaction_read_only = on): pgphase writes, and does not override that',
      {
        exitCode: EXIT.usage,
        sqlstate: READ_ONLY_TRANSACTION,
        hint: 'If writes are meant to be allowed: ALTER ROLE <login> [IN DATABASE <db>] RESET default_transaction_read_only (or ALTER DATABASE … RESET), then run again. `pgphase doctor` shows where it is set.',
      },
    );
  }
}
