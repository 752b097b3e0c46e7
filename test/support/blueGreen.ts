/** Helpers of the blue-green tests: checksums of a schema's curated tables and their definitions. */
import type { TestDatabase } from './db.js';

export const CURATED_TABLES = ['market_snapshots', 'book_market_features', 'market_consensus', 'steam_moves', 'game_market_features', 'game_features'];

/** The query a reader runs: md5 over every row of `schema`.game_features, in a stable order. */
export const featureChecksumSql = (schema = 'curated') =>
  `SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t.game_id), '')) AS c FROM ${schema}.game_features t`;

/** Checksums of the six curated tables in `schema`. */
export async function checksums(db: TestDatabase, schema = 'curated'): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const t of CURATED_TABLES) {
    const [r] = await db.query<{ c: string; n: number }>(
      `SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) AS c, count(*)::int AS n FROM ${schema}.${t} t`,
    );
    out[t] = `${r!.n}:${r!.c}`;
  }
  return out;
}

/**
 * A table's definition as the catalog has it, with its schema name taken out: columns (type,
 * NOT NULL, default), constraints, indexes, comments, owner and grants.
 */
export async function definitions(db: TestDatabase, schema: string): Promise<unknown> {
  const rows = await db.query<{ d: unknown }>(
    `SELECT jsonb_build_object(
       'table', c.relname,
       'owner', pg_get_userbyid(c.relowner),
       'acl', (SELECT jsonb_agg(a ORDER BY a::text) FROM unnest(c.relacl) a),
       'comment', obj_description(c.oid, 'pg_class'),
       'columns', (SELECT jsonb_agg(jsonb_build_array(a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, pg_get_expr(d.adbin, d.adrelid), col_description(c.oid, a.attnum)) ORDER BY a.attnum)
                     FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
                    WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped),
       'constraints', (SELECT jsonb_agg(jsonb_build_array(k.conname, replace(pg_get_constraintdef(k.oid), $1 || '.', '')) ORDER BY k.conname)
                         FROM pg_constraint k WHERE k.conrelid = c.oid AND k.contype <> 'n'),
       'indexes', (SELECT jsonb_agg(replace(pg_get_indexdef(i.indexrelid), $1 || '.', '') ORDER BY 1) FROM pg_index i WHERE i.indrelid = c.oid)
     ) AS d
     FROM pg_class c WHERE c.relnamespace = $1::regnamespace AND c.relname = ANY ($2::text[]) ORDER BY c.relname`,
    [schema, CURATED_TABLES],
  );
  return rows.map((r) => r.d);
}
