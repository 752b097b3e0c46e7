-- Shin's z (the share of insider money implied by the margin) for a two-way market, in closed form:
-- z = (S - 1)(D^2 - S) / (S (D^2 - 1)), S = p_a + p_b, D = p_a - p_b. Symmetric in its arguments.
CREATE OR REPLACE FUNCTION curated.shin_z (p_a double precision, p_b double precision) RETURNS double precision LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT (p_a + p_b - 1) * ((p_a - p_b) ^ 2 - (p_a + p_b))
    / NULLIF((p_a + p_b) * ((p_a - p_b) ^ 2 - 1), 0)
$$;
