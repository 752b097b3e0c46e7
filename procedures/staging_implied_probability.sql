-- The probability an American price implies, vig included: a >= 100 -> 100 / (a + 100);
-- a <= -100 -> |a| / (|a| + 100); NULL for anything in between (not a price).
CREATE OR REPLACE FUNCTION staging.implied_probability (p_odds integer) RETURNS double precision LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN p_odds >= 100 THEN 100.0::double precision / (p_odds + 100)
    WHEN p_odds <= -100 THEN (-p_odds)::double precision / (100 - p_odds)
  END
$$;
