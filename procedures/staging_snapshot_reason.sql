-- The checks every market snapshot shares, first failing rule first, as 'reason_code:field'
-- (NULL when all pass); the callers pass the raw texts and what they already parsed from them:
--   missing_field           the game id, the sportsbook or the capture time is NULL or blank
--   invalid_sportsbook      the sportsbook is not a name (staging.normalize_sportsbook)
--   invalid_timestamp       the capture time does not parse (staging.parse_timestamp)
--   unknown_game            no staged game has that id (p_game_start NULL): orphans are
--                           rejected, never invented
--   timestamp_out_of_range  captured before 2000-01-01, more than 366 days before its game's
--                           start, or more than 24 hours after it
-- Intervals are in hours so that no result depends on the session's TimeZone.
CREATE OR REPLACE FUNCTION staging.snapshot_reason (
  p_game text,
  p_book text,
  p_book_key text,
  p_captured text,
  p_captured_at timestamptz,
  p_game_start timestamptz
) RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN coalesce(btrim(p_game), '') = '' THEN 'missing_field:external_game_id'
    WHEN coalesce(btrim(p_book), '') = '' THEN 'missing_field:sportsbook'
    WHEN coalesce(btrim(p_captured), '') = '' THEN 'missing_field:captured_at'
    WHEN p_book_key IS NULL THEN 'invalid_sportsbook:sportsbook'
    WHEN p_captured_at IS NULL THEN 'invalid_timestamp:captured_at'
    WHEN p_game_start IS NULL THEN 'unknown_game:external_game_id'
    WHEN p_captured_at < '2000-01-01 00:00:00+00'
      OR p_captured_at < p_game_start - interval '8784 hours'
      OR p_captured_at > p_game_start + interval '24 hours' THEN 'timestamp_out_of_range:captured_at'
  END
$$;
