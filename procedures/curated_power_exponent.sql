-- The exponent k of the power method: the root of f(k) = p_a^k + p_b^k - 1.
-- f is convex and decreasing in k (0 < p < 1), so Newton's method from k = 1 reaches the left of
-- the root after at most one step and then converges monotonically and quadratically; it stops
-- when a step is below 1e-12 (the error after it is then far below 1e-10). NULL unless both
-- probabilities lie strictly between 0 and 1.
CREATE OR REPLACE FUNCTION curated.power_exponent (p_a double precision, p_b double precision) RETURNS double precision LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
  v_la constant double precision := ln(p_a);
  v_lb constant double precision := ln(p_b);
  v_k double precision := 1;
  v_ea double precision;
  v_eb double precision;
  v_step double precision;
BEGIN
  IF p_a <= 0 OR p_a >= 1 OR p_b <= 0 OR p_b >= 1 THEN
    RETURN NULL;
  END IF;
  FOR i IN 1..100 LOOP
    v_ea := exp(v_k * v_la);
    v_eb := exp(v_k * v_lb);
    v_step := (v_ea + v_eb - 1) / (v_la * v_ea + v_lb * v_eb);
    v_k := v_k - v_step;
    EXIT WHEN abs(v_step) < 1e-12;
  END LOOP;
  RETURN v_k;
END
$$;
