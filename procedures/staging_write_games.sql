-- The set-based write of the staging phase for raw.games ids in [p_lo, p_hi] (see
-- staging_write_moneylines.sql for the pattern). staging.games is keyed by external_game_id and
-- market rows reference its ids, so a staged game is updated in place rather than replaced:
--   1. staged games of the range whose external_game_id no range row stages any more are
--      deleted (their market rows go with them, ON DELETE CASCADE: replay the market tables
--      after games, as the runner does);
--   2. the valid rows are upserted on external_game_id (only changed rows are written). When
--      that takes a game over from a raw row outside the range (a lower id became valid after
--      a fix), that row is quarantined as what it now is (duplicate_game), so that no raw row
--      is left neither staged nor quarantined;
--   3. rejected rows are upserted into the quarantine, and rows now staged leave it.
-- Plans: the staging tables grow fast during a run while their statistics lag, and plpgsql
-- keeps a generic plan once it has one, planned when the tables were small. So its
-- statements run with enable_nestloop off (a nested loop over the materialised
-- classification the planner thinks holds one row is quadratic; hash joins degrade
-- gracefully; the lookups that must be nested loops, LATERAL ... LIMIT 1 by index, stay so)
-- and enable_seqscan off (every table it reads or writes is reached through the id range
-- or a key, by index, so its cost follows the range, never the size of a growing table).
CREATE OR REPLACE FUNCTION staging.write_games (p_run_id bigint, p_lo bigint, p_hi bigint) RETURNS TABLE (
  rows_in bigint,
  staged bigint,
  quarantined bigint,
  duplicates bigint
) LANGUAGE plpgsql
SET
  enable_nestloop = off
SET
  enable_seqscan = off AS $$
BEGIN
  DELETE FROM staging.games s
   WHERE s.source_raw_id BETWEEN p_lo AND p_hi
     AND NOT EXISTS (SELECT 1
                       FROM staging.classify_games(p_lo, p_hi) c
                      WHERE c.reason_code IS NULL AND c.external_game_id = s.external_game_id);

  WITH c AS MATERIALIZED (
    SELECT * FROM staging.classify_games(p_lo, p_hi)
  ), displaced AS (
    SELECT k.*
      FROM staging.games s
      JOIN c ON c.external_game_id = s.external_game_id AND c.reason_code IS NULL
     CROSS JOIN LATERAL staging.classify_games(s.source_raw_id, s.source_raw_id) k
     WHERE s.source_raw_id <> c.source_raw_id
       AND s.source_raw_id NOT BETWEEN p_lo AND p_hi
  ), stage AS (
    INSERT INTO staging.games AS s (source_raw_id, external_game_id, home_team, away_team, game_start,
                                    data_quality_score, validation_status, run_id)
    SELECT c.source_raw_id, c.external_game_id, c.home_team, c.away_team, c.game_start,
           c.data_quality_score, c.validation_status, p_run_id
      FROM c
     WHERE c.reason_code IS NULL
     ORDER BY c.source_raw_id
        ON CONFLICT (external_game_id) DO UPDATE
       SET source_raw_id = excluded.source_raw_id, home_team = excluded.home_team, away_team = excluded.away_team,
           game_start = excluded.game_start, data_quality_score = excluded.data_quality_score,
           validation_status = excluded.validation_status, run_id = excluded.run_id, processed_at = now()
     WHERE (s.source_raw_id, s.home_team, s.away_team, s.game_start, s.data_quality_score, s.validation_status)
           IS DISTINCT FROM
           (excluded.source_raw_id, excluded.home_team, excluded.away_team, excluded.game_start,
            excluded.data_quality_score, excluded.validation_status)
  ), reject AS (
    INSERT INTO pgphase.quarantine AS q (source_table, source_id, reason_code, message, sqlstate, raw_row, run_id)
    SELECT 'raw.games', r.source_raw_id, r.reason_code, r.message, NULL, r.raw_row, p_run_id
      FROM (SELECT * FROM c WHERE c.reason_code IS NOT NULL
            UNION ALL
            SELECT * FROM displaced WHERE displaced.reason_code IS NOT NULL) r
        ON CONFLICT (source_table, source_id) DO UPDATE
       SET reason_code = excluded.reason_code, message = excluded.message, sqlstate = NULL,
           raw_row = excluded.raw_row, run_id = excluded.run_id, attempts = q.attempts + 1, last_seen_at = now()
  ), release AS (
    DELETE FROM pgphase.quarantine q
     WHERE q.source_table = 'raw.games'
       AND q.source_id BETWEEN p_lo AND p_hi
       AND NOT EXISTS (SELECT 1 FROM c WHERE c.source_raw_id = q.source_id AND c.reason_code IS NOT NULL)
  )
  SELECT count(*), count(*) FILTER (WHERE c.reason_code IS NULL), count(*) FILTER (WHERE c.reason_code IS NOT NULL),
         count(*) FILTER (WHERE c.reason_code = 'duplicate_game')
    INTO rows_in, staged, quarantined, duplicates
    FROM c;
  RETURN NEXT;
END
$$;
