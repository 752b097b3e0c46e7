/**
 * The client loop's per-record SQL, derived from the limit baseline (sql/bench_limit_staging.sql)
 * rather than written again: each table's INSERT ... SELECT with its source `raw.<table> r`
 * replaced by one row whose values the client sends as parameters. So the loop applies exactly
 * the baseline's checks, casts and duplicate lookup, one record per statement. Pure.
 */
import { limitStatements } from './limit.js';

/** Raw columns of each table, in parameter order. */
export const RAW_COLUMNS: Readonly<Record<string, readonly string[]>> = {
  games: ['id', 'external_game_id', 'home_team', 'away_team', 'game_start', 'ingested_at'],
  moneylines: ['id', 'external_game_id', 'sportsbook', 'home_odds', 'away_odds', 'captured_at', 'ingested_at'],
  spreads: ['id', 'external_game_id', 'sportsbook', 'home_line', 'home_odds', 'away_line', 'away_odds', 'captured_at', 'ingested_at'],
  totals: ['id', 'external_game_id', 'sportsbook', 'total_line', 'over_odds', 'under_odds', 'captured_at', 'ingested_at'],
};

const TYPE: Record<string, string> = { id: 'bigint', ingested_at: 'timestamptz' };

/** `(SELECT $1::bigint AS id, $2::text AS external_game_id, ...) r` for a table. */
function oneRow(table: string): string {
  const columns = RAW_COLUMNS[table]!.map((c, i) => `$${i + 1}::${TYPE[c] ?? 'text'} AS ${c}`);
  return `(SELECT ${columns.join(', ')}) r`;
}

export function perRecordStatements(limitSql: string): { table: string; sql: string }[] {
  return limitStatements(limitSql).map(({ table, sql }) => {
    const source = new RegExp(`FROM\\s+raw\\.${table} r\\b`, 'g');
    const matches = sql.match(source)?.length ?? 0;
    if (matches !== 1) throw new Error(`bench: expected one "FROM raw.${table} r" in the limit SQL for ${table}, found ${matches}`);
    return { table, sql: sql.replace(source, `FROM ${oneRow(table)}`).replace(/;\s*$/, '') };
  });
}
