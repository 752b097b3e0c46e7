-- Fair (no-vig) probability, Shin's method: (sqrt(z^2 + 4 (1 - z) p_own^2 / S) - z) / (2 (1 - z))
-- with z = curated.shin_z(p_own, p_other) and S = p_own + p_other. For two outcomes it equals the
-- additive method (a known identity, checked by the tests). PL/pgSQL because z is used three
-- times: a LANGUAGE sql body would either not be inlined or evaluate z three times.
CREATE OR REPLACE FUNCTION curated.fair_shin (p_own double precision, p_other double precision) RETURNS double precision LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
  v_z constant double precision := curated.shin_z(p_own, p_other);
BEGIN
  RETURN (sqrt(v_z ^ 2 + 4 * (1 - v_z) * p_own ^ 2 / (p_own + p_other)) - v_z) / NULLIF(2 * (1 - v_z), 0);
END
$$;
