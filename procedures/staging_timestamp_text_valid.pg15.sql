-- pgphase:server-version < 16
-- staging.timestamp_text_valid for PostgreSQL 15, which has no pg_input_is_valid: the answer of
-- staging.timestamp_fields_valid (the full field check, PL/pgSQL, about 5 µs a value), with a fast
-- path for the form scrapers send nearly always: YYYY-MM-DD, 'T' or a space, HH:MM:SS, then Z,
-- +00, +00:00 or nothing, every field in range (staging.timestamp_common_pieces lists the valid
-- pieces; seven substrings, each a hashed lookup in a constant array, about 1 µs a value). Such a
-- text is valid; every other text (other forms, February 29, 24:00, second 60, other offsets,
-- spaces around it, junk) goes to the full check, which decides. So the fast path only ever says
-- "valid" where the full check says so too, and the answers are those of the full check.
-- A single-expression SQL function without sub-selects: inlined into staging.parse_timestamp and so
-- into the set-based statements; no cast and no exception. Measured: README.md, "Version-specific
-- procedures".
CREATE OR REPLACE FUNCTION staging.timestamp_text_valid (p_value text) RETURNS boolean LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN substr(p_value, 1, 2) = ANY (staging.timestamp_common_pieces('century'))
     AND substr(p_value, 3, 3) = ANY (staging.timestamp_common_pieces('year'))
     AND left(p_value, 4) <> '0000'
     AND substr(p_value, 6, 6) = ANY (staging.timestamp_common_pieces('day'))
     AND substr(p_value, 12, 3) = ANY (staging.timestamp_common_pieces('hour'))
     AND substr(p_value, 15, 3) = ANY (staging.timestamp_common_pieces('minute'))
     AND substr(p_value, 18) = ANY (staging.timestamp_common_pieces('second')) THEN true
    ELSE staging.timestamp_fields_valid(p_value)
  END
$$;
