-- The time zone words PostgreSQL's timestamptz input reads after a time, lower case: every zone
-- name (pg_timezone_names), every abbreviation of the timezone_abbreviations set in force
-- (pg_timezone_abbrevs) and the built-in words for UTC. Used by the PostgreSQL 15 form of
-- staging.timestamp_text_valid to tell a zone from junk without casting.
-- Declared IMMUTABLE on purpose: a call without arguments is then evaluated once when a query is
-- planned (pg_timezone_names takes tens of milliseconds) and the caller's `= ANY (...)` becomes a
-- hashed lookup. The lists change only when the server's tzdata or timezone_abbreviations change:
-- reconnect (or re-plan) after such a change.
CREATE OR REPLACE FUNCTION staging.known_time_zones () RETURNS TEXT[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT array_agg(DISTINCT z)
    FROM (SELECT lower(name) FROM pg_catalog.pg_timezone_names
          UNION ALL SELECT lower(abbrev) FROM pg_catalog.pg_timezone_abbrevs
          UNION ALL SELECT unnest(ARRAY['z', 'zulu', 'ut', 'utc', 'gmt'])) AS w (z)
$$;
