-- Fair (no-vig) probability, additive method for a two-way market: p_own - (S - 1) / 2, the margin
-- taken off both sides equally. Can fall below 0 for an extreme longshot; see docs/features.md.
CREATE OR REPLACE FUNCTION curated.fair_additive (p_own double precision, p_other double precision) RETURNS double precision LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT p_own - (p_own + p_other - 1) / 2
$$;
