-- American odds -> implied probability (the bookmaker's price, vig included):
-- a >= 100: 100 / (a + 100); a <= -100: |a| / (|a| + 100); NULL for -99..99 (not American odds).
-- Not STRICT so that the planner can inline it (a CASE is not provably strict); NULL in -> NULL out.
CREATE OR REPLACE FUNCTION curated.implied_probability (american integer) RETURNS double precision LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN american >= 100 THEN 100 / (american::double precision + 100)
    WHEN american <= -100 THEN -(american::double precision) / (100 - american::double precision)
  END
$$;
