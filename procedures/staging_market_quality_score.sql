-- data_quality_score of a staged market snapshot, 0-100, the sum of four components
-- (docs/staging.md). Computed from the row and its game only, never from now():
--   hold          0-35  35 for an overround in [0.02, 0.06] (what books charge); down to 17.5 at
--                       0 (too sharp to be usual); down to 0 at the 0.15 ceiling
--   freshness     0-30  pre-game: 30 within the last hour before the start, 5 points less per
--                       doubling of the lead time, at least 5; live (at or after the start): 20
--   reliability   0-25  the book's reliability_points (staging.sportsbooks); unknown book: 5
--   form          0-10  10, less 2.5 per repair the row needed (p_repairs: surrounding spaces,
--                       a sportsbook alias, a time without a zone)
CREATE OR REPLACE FUNCTION staging.market_quality_score (
  p_overround double precision,
  p_captured_at timestamptz,
  p_game_start timestamptz,
  p_reliability_points integer,
  p_repairs integer
) RETURNS numeric LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT round((
    CASE
      WHEN p_overround < 0.02 THEN 17.5 + 875 * greatest(p_overround, 0)
      WHEN p_overround <= 0.06 THEN 35
      ELSE greatest(35 * (0.15 - p_overround) / 0.09, 0)
    END
    + CASE
      WHEN p_captured_at >= p_game_start THEN 20
      WHEN p_game_start - p_captured_at <= interval '1 hour' THEN 30
      ELSE greatest(30 - 5 * ln(extract(epoch FROM p_game_start - p_captured_at)::double precision / 3600) / ln(2.0::double precision), 5)
    END
    + coalesce(p_reliability_points, 5)
    + greatest(10 - 2.5 * p_repairs, 0)
  )::numeric, 2)
$$;
