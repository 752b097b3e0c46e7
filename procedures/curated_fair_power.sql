-- Fair (no-vig) probability, power method: p_own^k with k such that p_own^k + p_other^k = 1
-- (curated.power_exponent). Shrinks longshots more than favourites (favourite-longshot bias).
CREATE OR REPLACE FUNCTION curated.fair_power (p_own double precision, p_other double precision) RETURNS double precision LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT p_own ^ curated.power_exponent(p_own, p_other)
$$;
