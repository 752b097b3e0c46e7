-- Theoretical hold of a two-way market: 1 - 1/S, S = p_a + p_b. The share of the handle the book
-- keeps when action is balanced to the prices (0.045455 for -110/-110).
CREATE OR REPLACE FUNCTION curated.hold (p_a double precision, p_b double precision) RETURNS double precision LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT 1 - 1 / (p_a + p_b)
$$;
