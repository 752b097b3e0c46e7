-- When the generator's book p_b captured market p_market of a game starting at p_start, in
-- round p_s of p_pre pre-game and p_live live rounds. Pre-game rounds run from about 48 hours
-- (plus 5 minutes a round) before the start to 5 minutes before it, denser near the start;
-- live rounds split the 4 hours after the start evenly. Each book captures up to 2 minutes
-- after the round's time (a pure draw per game, book, round and market), so a round's captures
-- lie within 2 minutes of each other and consecutive rounds are at least 3 minutes apart.
CREATE OR REPLACE FUNCTION pipeline.sample_captured_at (
  p_seed bigint,
  p_market integer,
  p_n bigint,
  p_b integer,
  p_s bigint,
  p_pre bigint,
  p_live bigint,
  p_start timestamptz
) RETURNS timestamptz LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT p_start + (
    CASE
      WHEN p_s < p_pre THEN -(round(172800 * ((p_pre - p_s)::double precision / p_pre) ^ 2)::bigint + (p_pre - p_s) * 300)
      ELSE (p_s - p_pre + 1) * (14400 / (p_live + 1))
    END
    + floor(120 * pipeline.sample_u(p_seed, ((p_n * 16 + p_b) * 4096 + p_s) * 4 + p_market, 10))::bigint
  ) * interval '1 second'
$$;
