/**
 * A checksum of each staging and curated table's rows (and of pgphase.quarantine), comparable between two databases that ran
 * the same input: columns that name a run or a moment of processing (serial ids, run ids,
 * processed/seen timestamps, attempts) are left out, and a game_id (a serial of staging.games,
 * numbered in whatever order the parallel workers inserted) is replaced by the game's
 * external_game_id. Rows are ordered by their text in the "C" collation.
 */
import type pg from 'pg';

const VOLATILE = new Set(['id', 'run_id', 'processed_at', 'first_seen_at', 'last_seen_at', 'attempts']);

export async function tableChecksums(client: pg.ClientBase): Promise<Record<string, { rows: number; md5: string }>> {
  const { rows: columns } = await client.query<{ t: string; c: string }>(
    `SELECT format('%I.%I', c.table_schema, c.table_name) AS t, c.column_name AS c
       FROM information_schema.columns c JOIN information_schema.tables t USING (table_schema, table_name)
      WHERE (c.table_schema IN ('staging', 'curated') OR (c.table_schema = 'pgphase' AND c.table_name = 'quarantine')) AND t.table_type = 'BASE TABLE'
      ORDER BY 1, c.ordinal_position`,
  );
  const tables = new Map<string, string[]>();
  for (const { t, c } of columns) if (!VOLATILE.has(c)) tables.set(t, [...(tables.get(t) ?? []), c]);
  const out: Record<string, { rows: number; md5: string }> = {};
  for (const [table, cols] of tables) {
    const hasGame = cols.includes('game_id');
    const fields = cols.map((c) => (c === 'game_id' ? 'g.external_game_id' : `x.${c}`)).join(', ');
    const { rows } = await client.query<{ rows: number; md5: string | null }>(
      `SELECT count(*)::int AS rows, md5(string_agg(r, E'\\n' ORDER BY r COLLATE "C")) AS md5
         FROM (SELECT ROW(${fields})::text AS r FROM ${table} x
               ${hasGame ? 'LEFT JOIN staging.games g ON g.id = x.game_id' : ''}) s`,
    );
    out[table] = { rows: rows[0]!.rows, md5: rows[0]!.md5 ?? '-' };
  }
  return out;
}
