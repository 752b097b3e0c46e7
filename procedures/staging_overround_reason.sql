-- Whether a two-way market's overround is plausible (NULL) or why not. The accepted band is
-- [0, 0.15): below 0 the prices are an arbitrage no book posts (a tolerance of 1e-9 absorbs
-- floating-point error, so a fair pair like -150/+150 is 0); at 0.15 and above (e.g. -135/-135)
-- the hold is beyond what any US book charges on a two-way MLB market, pre-game or live.
CREATE OR REPLACE FUNCTION staging.overround_reason (p_odds_a integer, p_odds_b integer) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN staging.overround(p_odds_a, p_odds_b) < -1e-9 THEN 'overround_negative'
    WHEN staging.overround(p_odds_a, p_odds_b) >= 0.15 THEN 'overround_too_high'
  END
$$;
