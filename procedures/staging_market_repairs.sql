-- The repair count of a valid market snapshot, written once (docs/staging.md, "repairs"): one
-- when any of its fields had spaces around it (p_untrimmed, which the caller computes over its
-- table's fields), one for a sportsbook written as an alias (p_book, normalised, differs from
-- p_canonical), one for a capture time without a zone (staging.zoneless).
CREATE OR REPLACE FUNCTION staging.market_repairs (
  p_untrimmed boolean,
  p_book text,
  p_canonical text,
  p_captured text
) RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT p_untrimmed::integer + coalesce(p_book <> p_canonical, FALSE)::integer + staging.zoneless(p_captured)::integer
$$;
