/**
 * The client loop's per-record SQL, derived from the limit baseline (sql/bench_limit_staging.sql)
 * rather than written again: each table's INSERT ... SELECT over the procedures' classification,
 * with its key range ($1, $2) narrowed to the one record the client names ($1, $1). So the loop
 * applies exactly the procedures' rules, one record per statement and round trip. Pure.
 */
import { limitStatements } from './limit.js';

/** Raw columns of each table, in parameter order. */
export const RAW_COLUMNS: Readonly<Record<string, readonly string[]>> = {
  games: ['id', 'external_game_id', 'home_team', 'away_team', 'game_start', 'ingested_at'],
  moneylines: ['id', 'external_game_id', 'sportsbook', 'home_odds', 'away_odds', 'captured_at', 'ingested_at'],
  spreads: ['id', 'external_game_id', 'sportsbook', 'home_line', 'home_odds', 'away_line', 'away_odds', 'captured_at', 'ingested_at'],
  totals: ['id', 'external_game_id', 'sportsbook', 'total_line', 'over_odds', 'under_odds', 'captured_at', 'ingested_at'],
};

export function perRecordStatements(limitSql: string): { table: string; sql: string }[] {
  return limitStatements(limitSql).map(({ table, sql }) => {
    const range = /\(\$1, \$2\)/g;
    const matches = sql.match(range)?.length ?? 0;
    if (matches !== 1) throw new Error(`bench: expected one "($1, $2)" key range in the limit SQL for ${table}, found ${matches}`);
    return { table, sql: sql.replace(range, '($1, $1)').replace(/;\s*$/, '') };
  });
}
