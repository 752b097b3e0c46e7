/**
 * Statements migration 0008 left for an administrator because the migrating login could not
 * create roles (see migrations/0008_roles.sql): read by `status` and `doctor`. Empty when the
 * roles were set up, or when the table does not exist.
 */
import type pg from 'pg';

export const ROLE_PENDING_TABLE = 'pipeline.security_pending';

export async function pendingRoleStatements(client: pg.ClientBase): Promise<string[]> {
  const { rows: exists } = await client.query<{ t: string | null }>(`SELECT to_regclass($1)::text AS t`, [ROLE_PENDING_TABLE]);
  if (!exists[0]?.t) return [];
  const { rows } = await client.query<{ statement: string }>(`SELECT statement FROM ${ROLE_PENDING_TABLE} ORDER BY position`);
  return rows.map((r) => `${r.statement.replace(/\s+/g, ' ').trim()};`);
}
