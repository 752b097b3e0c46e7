-- Overround of a two-way market: S - 1, S = p_a + p_b the sum of the implied probabilities.
-- The bookmaker's margin expressed on the probability scale (0.047619 for -110/-110).
CREATE OR REPLACE FUNCTION curated.overround (p_a double precision, p_b double precision) RETURNS double precision LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT p_a + p_b - 1
$$;
