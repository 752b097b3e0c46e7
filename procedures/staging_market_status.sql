-- validation_status of a staged market snapshot, written once: 'warning' for a sportsbook
-- that is not a known book (p_canonical NULL) or an overround outside [0.01, 0.10] (plausible,
-- but unusual), else 'validated'.
CREATE OR REPLACE FUNCTION staging.market_status (p_canonical text, p_overround double precision) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN p_canonical IS NULL OR p_overround NOT BETWEEN 0.01 AND 0.10 THEN 'warning' ELSE 'validated' END
$$;
