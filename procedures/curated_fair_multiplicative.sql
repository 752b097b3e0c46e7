-- Fair (no-vig) probability, multiplicative (proportional) method: p_own / S, S = p_own + p_other.
CREATE OR REPLACE FUNCTION curated.fair_multiplicative (p_own double precision, p_other double precision) RETURNS double precision LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT p_own / (p_own + p_other)
$$;
