-- The repair count of a valid raw.games row, written once (docs/staging.md, "repairs"): one for
-- spaces around the id, one for team names that needed cleaning (staging.clean_team), one for
-- spaces around the start time, one for a start time without a zone (staging.zoneless).
CREATE OR REPLACE FUNCTION staging.game_repairs (
  p_game text,
  p_home text,
  p_away text,
  p_start text
) RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT (p_game <> btrim(p_game))::integer
       + (p_home <> staging.clean_team(p_home) OR p_away <> staging.clean_team(p_away))::integer
       + (p_start <> btrim(p_start))::integer
       + staging.zoneless(p_start)::integer
$$;
