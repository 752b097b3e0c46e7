-- pgphase:server-version < 16
-- The pieces of the timestamp texts scrapers send nearly always, YYYY-MM-DD, 'T' or a space,
-- HH:MM:SS, then Z, +00, +00:00 or nothing, cut where staging.timestamp_text_valid (PostgreSQL 15)
-- cuts them; each list holds exactly the valid pieces, so a text made of listed pieces is valid:
--   century  '00'..'99'              the year's first two digits
--   year     '00-'..'99-'            its last two digits and the dash (year 0000: checked apart)
--   day      'MM-DDT' and 'MM-DD '   every day of a common year (February 29 is left to the full check)
--   hour     '00:'..'23:'
--   minute   '00:'..'59:'
--   second   '00'..'59', each alone or followed by Z, +00 or +00:00 (60 is left to the full check)
-- IMMUTABLE on purpose: called with a constant, it is evaluated once when a query is planned, and
-- the caller's `= ANY (...)` over the constant array is a hashed lookup (no regex, no cast).
CREATE OR REPLACE FUNCTION staging.timestamp_common_pieces (p_piece text) RETURNS TEXT[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE p_piece
    WHEN 'century' THEN (SELECT array_agg(to_char(i, 'FM00')) FROM generate_series(0, 99) AS i)
    WHEN 'year' THEN (SELECT array_agg(to_char(i, 'FM00') || '-') FROM generate_series(0, 99) AS i)
    WHEN 'day' THEN (SELECT array_agg(to_char(d, 'MM-DD') || s)
                       FROM generate_series(date '2023-01-01', date '2023-12-31', interval '1 day') AS d,
                            unnest(ARRAY['T', ' ']) AS s)
    WHEN 'hour' THEN (SELECT array_agg(to_char(i, 'FM00') || ':') FROM generate_series(0, 23) AS i)
    WHEN 'minute' THEN (SELECT array_agg(to_char(i, 'FM00') || ':') FROM generate_series(0, 59) AS i)
    WHEN 'second' THEN (SELECT array_agg(to_char(i, 'FM00') || z)
                          FROM generate_series(0, 59) AS i, unnest(ARRAY['', 'Z', '+00', '+00:00']) AS z)
  END
$$;
