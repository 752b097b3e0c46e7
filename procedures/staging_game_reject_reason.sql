-- Why a raw.games row cannot be staged (NULL when it can), first failing rule first:
--   missing_field           an id, a team or the start time is NULL or blank
--   invalid_game_id         the id is not 1-64 ASCII letters, digits and . _ : -
--   invalid_team            a team name is not a name (staging.clean_team)
--   same_teams              home and away are the same team (case-insensitive)
--   invalid_timestamp       the start time does not parse (staging.parse_timestamp)
--   timestamp_out_of_range  the start is before 2000-01-01, or more than 2 years after the row
--                           was ingested (730 days: a schedule is not published years ahead)
-- duplicate_game is judged by staging.classify_games, against the other rows of raw.games.
-- It depends on the row only (never on now()), so a row is judged the same in every run.
CREATE OR REPLACE FUNCTION staging.game_reject_reason (
  p_game text,
  p_home text,
  p_away text,
  p_start text,
  p_ingested_at timestamptz
) RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN p_game IS NULL OR p_game ~ '^ *$' OR p_home IS NULL OR p_home ~ '^ *$'
      OR p_away IS NULL OR p_away ~ '^ *$' OR p_start IS NULL OR p_start ~ '^ *$' THEN 'missing_field'
    WHEN p_game !~ '^ *[A-Za-z0-9._:-]{1,64} *$' THEN 'invalid_game_id'
    WHEN staging.clean_team(p_home) IS NULL OR staging.clean_team(p_away) IS NULL THEN 'invalid_team'
    WHEN upper(staging.clean_team(p_home)) = upper(staging.clean_team(p_away)) THEN 'same_teams'
    WHEN staging.parse_timestamp(p_start) IS NULL THEN 'invalid_timestamp'
    WHEN staging.parse_timestamp(p_start) < '2000-01-01 00:00:00+00'
      OR staging.parse_timestamp(p_start) > p_ingested_at + interval '17520 hours' THEN 'timestamp_out_of_range'
  END
$$;
