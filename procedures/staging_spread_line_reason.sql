-- Why a run line's pair of lines cannot be staged (NULL when it can), as 'reason_code:field',
-- first failing rule first, written once: missing_field, invalid_line (staging.parse_line),
-- line_not_half_step, line_out_of_range (|line| in 0.5..5.5), line_mismatch (home_line must be
-- -away_line). p_home/p_away are the raw texts, p_line_a/p_line_b what parse_line made of them.
CREATE OR REPLACE FUNCTION staging.spread_line_reason (
  p_home text,
  p_away text,
  p_line_a numeric,
  p_line_b numeric
) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN coalesce(btrim(p_home), '') = '' THEN 'missing_field:home_line'
    WHEN coalesce(btrim(p_away), '') = '' THEN 'missing_field:away_line'
    WHEN p_line_a IS NULL THEN 'invalid_line:home_line'
    WHEN p_line_b IS NULL THEN 'invalid_line:away_line'
    WHEN p_line_a % 0.5 <> 0 THEN 'line_not_half_step:home_line'
    WHEN p_line_b % 0.5 <> 0 THEN 'line_not_half_step:away_line'
    WHEN abs(p_line_a) NOT BETWEEN 0.5 AND 5.5 THEN 'line_out_of_range:home_line'
    WHEN abs(p_line_b) NOT BETWEEN 0.5 AND 5.5 THEN 'line_out_of_range:away_line'
    WHEN p_line_a <> -p_line_b THEN 'line_mismatch:lines'
  END
$$;
