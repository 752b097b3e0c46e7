-- American odds -> decimal odds (total return per unit staked, stake included):
-- a >= 100: 1 + a / 100; a <= -100: 1 + 100 / |a|; NULL for -99..99. Equals 1 / implied probability.
CREATE OR REPLACE FUNCTION curated.decimal_odds (american integer) RETURNS double precision LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN american >= 100 THEN 1 + american::double precision / 100
    WHEN american <= -100 THEN 1 + 100 / -(american::double precision)
  END
$$;
