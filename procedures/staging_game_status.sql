-- validation_status of a staged game, written once: 'validated' from a quality score of 90
-- (an implausible start hour, a row ingested after the start, or two repairs bring it below).
CREATE OR REPLACE FUNCTION staging.game_status (p_score numeric) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN p_score IS NULL THEN NULL WHEN p_score >= 90 THEN 'validated' ELSE 'warning' END
$$;
