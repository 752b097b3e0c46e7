/**
 * Creates the shadow copy of a phase's output tables in a new schema, from the live tables' own
 * definitions: columns, defaults, NOT NULL and CHECK constraints, identity and generated columns,
 * storage and statistics settings and comments (CREATE TABLE ... LIKE ... INCLUDING ALL), then
 * primary key, unique and exclusion constraints and other indexes under their live names, foreign
 * keys (to a shadow table when they point at another output), the table comment, the owner and
 * the grants. The schema gets the output schema's owner and USAGE grants. Call inside a
 * transaction: a failure leaves nothing behind.
 */
import type pg from 'pg';
import type { BlueGreenTarget } from './names.js';

const q = (client: pg.ClientBase, ...parts: string[]) => parts.map((p) => client.escapeIdentifier(p)).join('.');

export async function createShadow(client: pg.ClientBase, target: BlueGreenTarget, shadow: string): Promise<void> {
  // With only pg_catalog on the path, pg_get_*def() schema-qualifies every name it prints.
  await client.query(`SET LOCAL search_path = pg_catalog`);
  const live = client.escapeIdentifier(target.schema);
  await client.query(`CREATE SCHEMA ${client.escapeIdentifier(shadow)}`);
  await copySchemaAccess(client, target.schema, shadow);
  for (const table of target.tables) {
    await client.query(`CREATE TABLE ${q(client, shadow, table)} (LIKE ${q(client, target.schema, table)} INCLUDING ALL EXCLUDING INDEXES)`);
  }
  const { rows: ddl } = await client.query<{ sql: string }>(
    `WITH t AS (
       SELECT c.oid, c.relname FROM pg_class c WHERE c.relnamespace = $1::regnamespace AND c.relname = ANY ($2::text[])
     )
     SELECT format('ALTER TABLE %I.%I ADD CONSTRAINT %I %s', $3::text, t.relname, k.conname, pg_get_constraintdef(k.oid)) AS sql, 1 AS ord, k.conname AS name
       FROM t JOIN pg_constraint k ON k.conrelid = t.oid WHERE k.contype IN ('p', 'u', 'x')
     UNION ALL
     SELECT format('CREATE %sINDEX %I ON %I.%I%s', CASE WHEN i.indisunique THEN 'UNIQUE ' ELSE '' END, ic.relname, $3::text, t.relname,
                   substring(pg_get_indexdef(i.indexrelid) FROM ' USING .*$')), 2, ic.relname
       FROM t JOIN pg_index i ON i.indrelid = t.oid JOIN pg_class ic ON ic.oid = i.indexrelid
      WHERE NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.contype IN ('p', 'u', 'x'))
     UNION ALL
     SELECT format('ALTER TABLE %I.%I ADD CONSTRAINT %I %s', $3::text, t.relname, k.conname,
                   CASE WHEN k.confrelid IN (SELECT oid FROM t)
                        THEN replace(pg_get_constraintdef(k.oid), format('REFERENCES %s(', k.confrelid::regclass), format('REFERENCES %I.%I(', $3::text, (SELECT relname FROM pg_class WHERE oid = k.confrelid)))
                        ELSE pg_get_constraintdef(k.oid) END), 3, k.conname
       FROM t JOIN pg_constraint k ON k.conrelid = t.oid WHERE k.contype = 'f'
     UNION ALL
     SELECT format('COMMENT ON TABLE %I.%I IS %L', $3::text, t.relname, d.description), 4, t.relname
       FROM t JOIN pg_description d ON d.objoid = t.oid AND d.classoid = 'pg_class'::regclass AND d.objsubid = 0
     UNION ALL
     SELECT format('ALTER TABLE %I.%I OWNER TO %I', $3::text, t.relname, pg_get_userbyid(c.relowner)), 5, t.relname
       FROM t JOIN pg_class c ON c.oid = t.oid WHERE c.relowner <> (SELECT oid FROM pg_roles WHERE rolname = current_user)
     UNION ALL
     SELECT format('GRANT %s ON %I.%I TO %s%s', a.privilege_type, $3::text, t.relname,
                   CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END,
                   CASE WHEN a.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END), 6, t.relname
       FROM t JOIN pg_class c ON c.oid = t.oid CROSS JOIN LATERAL aclexplode(c.relacl) a
      WHERE a.grantee <> c.relowner
     ORDER BY 2, 3, 1`,
    [live, target.tables, shadow],
  );
  for (const { sql } of ddl) await client.query(sql);
}

/** The shadow schema gets the output schema's owner and its USAGE grants (readers may compare versions). */
async function copySchemaAccess(client: pg.ClientBase, from: string, to: string): Promise<void> {
  const { rows } = await client.query<{ sql: string }>(
    `SELECT format('ALTER SCHEMA %I OWNER TO %I', $2::text, pg_get_userbyid(n.nspowner)) AS sql FROM pg_namespace n
      WHERE n.nspname = $1 AND n.nspowner <> (SELECT oid FROM pg_roles WHERE rolname = current_user)
     UNION ALL
     SELECT format('GRANT USAGE ON SCHEMA %I TO %s', $2::text, CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END)
       FROM pg_namespace n CROSS JOIN LATERAL aclexplode(n.nspacl) a
      WHERE n.nspname = $1 AND a.privilege_type = 'USAGE' AND a.grantee <> n.nspowner`,
    [from, to],
  );
  for (const { sql } of rows) await client.query(sql);
}

/** Drops a parked version's tables, then its schema (RESTRICT: anything else in it is reported, not dropped). */
export async function dropParked(client: pg.ClientBase, schema: string, tables: readonly string[]): Promise<void> {
  const { rows } = await client.query<{ name: string }>(
    `SELECT relname AS name FROM pg_class WHERE relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1) AND relname = ANY ($2::text[]) AND relkind = 'r'`,
    [schema, tables],
  );
  if (rows.length) await client.query(`DROP TABLE ${rows.map((r) => q(client, schema, r.name)).join(', ')}`);
  await client.query(`DROP SCHEMA IF EXISTS ${client.escapeIdentifier(schema)}`);
}
