-- data_quality_score of a staged game, 0-100, the sum of three components (docs/staging.md),
-- computed from the row only, never from now():
--   form       0-40  40, less 10 per repair the row needed (p_repairs: surrounding or repeated
--                    spaces, a start time without a zone)
--   schedule   0-30  30 when the start is between 16:00 and 03:59 UTC (noon to midnight
--                    Eastern, when MLB plays), else 10
--   lead time  0-30  30 when the row was ingested before the start (a published schedule),
--                    else 10 (recorded after the fact)
CREATE OR REPLACE FUNCTION staging.game_quality_score (
  p_game_start timestamptz,
  p_ingested_at timestamptz,
  p_repairs integer
) RETURNS numeric LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT (
    greatest(40 - 10 * p_repairs, 0)
    + CASE WHEN extract(hour FROM p_game_start AT TIME ZONE 'UTC') NOT BETWEEN 4 AND 15 THEN 30 ELSE 10 END
    + CASE WHEN p_ingested_at < p_game_start THEN 30 ELSE 10 END
  )::numeric(5, 2)
$$;
