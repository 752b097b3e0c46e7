-- The set-based write of the staging phase for raw.moneylines ids in [p_lo, p_hi]: one
-- statement that classifies the range once (staging.classify_moneylines) and then
--   - upserts the valid rows into staging.moneylines on source_raw_id, writing only rows whose
--     values changed (a second call over the same range rewrites nothing);
--   - upserts the rejected rows into pgphase.quarantine on (source_table, source_id), counting
--     attempts;
--   - deletes the staged rows of the range that are now rejected (or gone from raw), and the
--     quarantined rows of the range that are now staged: a fix in raw moves a row across.
-- The first load of a range (no staged row in it yet) takes the same statement without the
-- upsert and the unstaging, which are then no-ops. Returns the range's counts. Any error aborts
-- the whole statement; staging.load_range then retries the range one record at a time.
-- Plans: the staging tables grow fast during a run while their statistics lag, and plpgsql
-- keeps a generic plan once it has one, planned when the tables were small. So its
-- statements run with enable_nestloop off (a nested loop over the materialised
-- classification the planner thinks holds one row is quadratic; hash joins degrade
-- gracefully; the lookups that must be nested loops, LATERAL ... LIMIT 1 by index, stay so)
-- and enable_seqscan off (every table it reads or writes is reached through the id range
-- or a key, by index, so its cost follows the range, never the size of a growing table).
CREATE OR REPLACE FUNCTION staging.write_moneylines (p_run_id bigint, p_lo bigint, p_hi bigint) RETURNS TABLE (
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
  IF NOT EXISTS (SELECT 1 FROM staging.moneylines s WHERE s.source_raw_id BETWEEN p_lo AND p_hi) THEN
    -- the range's first load: nothing to update or unstage, so a plain INSERT (no
    -- speculative insertion; the disjoint ranges of concurrent calls cannot collide)
    WITH c AS MATERIALIZED (
      SELECT * FROM staging.classify_moneylines(p_lo, p_hi)
    ), stage AS (
      INSERT INTO staging.moneylines AS s (source_raw_id, game_id, sportsbook, home_odds, away_odds,
                                           captured_at, is_live, data_quality_score, validation_status, run_id)
      SELECT c.source_raw_id, c.game_id, c.sportsbook, c.home_odds, c.away_odds, c.captured_at,
             c.is_live, c.data_quality_score, c.validation_status, p_run_id
        FROM c
       WHERE c.reason_code IS NULL
    ), reject AS (
      INSERT INTO pgphase.quarantine AS q (source_table, source_id, reason_code, message, sqlstate, raw_row, run_id)
      SELECT 'raw.moneylines', c.source_raw_id, c.reason_code, c.message, NULL, c.raw_row, p_run_id
        FROM c
       WHERE c.reason_code IS NOT NULL
          ON CONFLICT (source_table, source_id) DO UPDATE
         SET reason_code = excluded.reason_code, message = excluded.message, sqlstate = NULL,
             raw_row = excluded.raw_row, run_id = excluded.run_id, attempts = q.attempts + 1, last_seen_at = now()
    ), release AS (
      DELETE FROM pgphase.quarantine q
       WHERE q.source_table = 'raw.moneylines'
         AND q.source_id BETWEEN p_lo AND p_hi
         AND NOT EXISTS (SELECT 1 FROM c WHERE c.source_raw_id = q.source_id AND c.reason_code IS NOT NULL)
    )
    SELECT count(*), count(*) FILTER (WHERE c.reason_code IS NULL), count(*) FILTER (WHERE c.reason_code IS NOT NULL),
           count(*) FILTER (WHERE c.reason_code = 'duplicate_snapshot')
      INTO rows_in, staged, quarantined, duplicates
      FROM c;
  ELSE
    WITH c AS MATERIALIZED (
      SELECT * FROM staging.classify_moneylines(p_lo, p_hi)
    ), unstage AS (
      DELETE FROM staging.moneylines s
       WHERE s.source_raw_id BETWEEN p_lo AND p_hi
         AND NOT EXISTS (SELECT 1 FROM c WHERE c.source_raw_id = s.source_raw_id AND c.reason_code IS NULL)
    ), stage AS (
      INSERT INTO staging.moneylines AS s (source_raw_id, game_id, sportsbook, home_odds, away_odds,
                                           captured_at, is_live, data_quality_score, validation_status, run_id)
      SELECT c.source_raw_id, c.game_id, c.sportsbook, c.home_odds, c.away_odds, c.captured_at,
             c.is_live, c.data_quality_score, c.validation_status, p_run_id
        FROM c
       WHERE c.reason_code IS NULL
          ON CONFLICT (source_raw_id) DO UPDATE
         SET game_id = excluded.game_id, sportsbook = excluded.sportsbook, home_odds = excluded.home_odds,
             away_odds = excluded.away_odds, captured_at = excluded.captured_at, is_live = excluded.is_live,
             data_quality_score = excluded.data_quality_score, validation_status = excluded.validation_status,
             run_id = excluded.run_id, processed_at = now()
       WHERE (s.game_id, s.sportsbook, s.home_odds, s.away_odds, s.captured_at, s.is_live, s.data_quality_score,
              s.validation_status)
             IS DISTINCT FROM
             (excluded.game_id, excluded.sportsbook, excluded.home_odds, excluded.away_odds, excluded.captured_at,
              excluded.is_live, excluded.data_quality_score, excluded.validation_status)
    ), reject AS (
      INSERT INTO pgphase.quarantine AS q (source_table, source_id, reason_code, message, sqlstate, raw_row, run_id)
      SELECT 'raw.moneylines', c.source_raw_id, c.reason_code, c.message, NULL, c.raw_row, p_run_id
        FROM c
       WHERE c.reason_code IS NOT NULL
          ON CONFLICT (source_table, source_id) DO UPDATE
         SET reason_code = excluded.reason_code, message = excluded.message, sqlstate = NULL,
             raw_row = excluded.raw_row, run_id = excluded.run_id, attempts = q.attempts + 1, last_seen_at = now()
    ), release AS (
      DELETE FROM pgphase.quarantine q
       WHERE q.source_table = 'raw.moneylines'
         AND q.source_id BETWEEN p_lo AND p_hi
         AND NOT EXISTS (SELECT 1 FROM c WHERE c.source_raw_id = q.source_id AND c.reason_code IS NOT NULL)
    )
    SELECT count(*), count(*) FILTER (WHERE c.reason_code IS NULL), count(*) FILTER (WHERE c.reason_code IS NOT NULL),
           count(*) FILTER (WHERE c.reason_code = 'duplicate_snapshot')
      INTO rows_in, staged, quarantined, duplicates
      FROM c;
  END IF;
  RETURN NEXT;
END
$$;
