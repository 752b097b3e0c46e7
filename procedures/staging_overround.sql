-- The overround of a two-way market: the sum of the implied probabilities minus 1 (the book's
-- margin; -110/-110 -> 0.0476). Negative means the two prices together are an arbitrage.
CREATE OR REPLACE FUNCTION staging.overround (p_odds_a integer, p_odds_b integer) RETURNS double precision LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT staging.implied_probability(p_odds_a) + staging.implied_probability(p_odds_b) - 1
$$;
