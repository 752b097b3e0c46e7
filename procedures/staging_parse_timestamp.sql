-- A capture or start time as scraped -> timestamptz, or NULL when it does not parse. Accepted,
-- after trimming spaces: an ISO 8601 date and time, YYYY-MM-DD then 'T' or a space then HH:MM,
-- then optional seconds, fraction and zone (Z, UTC, +02, -0500, +05:30, a zone name) as
-- PostgreSQL reads them; without a zone the time is UTC. The date must come first, year first,
-- so DateStyle cannot change a result, and a zone is read only from the text, never from the
-- session's TimeZone; words the timestamp type would also take ('now', 'today', 'epoch',
-- 'infinity') are refused. A date or time that does not exist (2024-02-30, 25:00, offset +99,
-- Unicode digits) is NULL: pg_input_is_valid checks it without raising. The shape is checked
-- with LIKE, not a regex (AM/PM and AD are not zones: found by the fuzz test): PostgreSQL's regex engine costs microseconds a value, LIKE a tenth.
-- STABLE only because PostgreSQL's text-to-timestamptz cast is; the result depends on nothing
-- but the text. A single-expression SQL function, so it is inlined into the caller's query.
CREATE OR REPLACE FUNCTION staging.parse_timestamp (p_value text) RETURNS timestamptz LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN NOT (btrim(p_value) LIKE '____-__-__T__:__%' OR btrim(p_value) LIKE '____-__-__ __:__%') THEN NULL
    WHEN NOT pg_input_is_valid(p_value, 'timestamptz') THEN NULL
    WHEN staging.zoneless(p_value) THEN p_value::timestamp AT TIME ZONE 'UTC'
    ELSE p_value::timestamptz
  END
$$;
