/**
 * A checksum of everything the staging phase wrote: every staged row of the four tables, by
 * source id, with all its values except those that differ by design between two equal runs (the
 * serial id, the run id, processed_at) and with a market row's game as its external id (game
 * ids are serials too). Two modes that stage exactly the same rows have the same checksum, so a
 * rule that drifted between the bench's limit SQL and the procedures fails the bench.
 */
import pg from 'pg';

const TABLES = ['games', 'moneylines', 'spreads', 'totals'] as const;

/** The row texts hashed for one table, in source id order. */
function rowsSql(table: (typeof TABLES)[number]): string {
  return table === 'games'
    ? `SELECT t.source_raw_id AS id, to_jsonb(t) - 'id' - 'run_id' - 'processed_at' AS v FROM staging.games t`
    : `SELECT t.source_raw_id AS id, to_jsonb(t) - 'id' - 'run_id' - 'processed_at' - 'game_id' || jsonb_build_object('game', g.external_game_id) AS v
         FROM staging.${table} t JOIN staging.games g ON g.id = t.game_id`;
}

export async function stagedChecksum(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url, application_name: 'pgphase bench checksum' });
  await client.connect();
  try {
    const parts: string[] = [];
    for (const table of TABLES) {
      const { rows } = await client.query<{ sum: string }>(
        `SELECT md5(coalesce(string_agg(x.v::text, E'\\n' ORDER BY x.id), '')) AS sum FROM (${rowsSql(table)}) x`,
      );
      parts.push(rows[0]!.sum);
    }
    const { rows } = await client.query<{ sum: string }>(`SELECT md5($1) AS sum`, [parts.join(' ')]);
    return rows[0]!.sum;
  } finally {
    await client.end();
  }
}
