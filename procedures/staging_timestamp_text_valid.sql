-- pgphase:server-version >= 16
-- Whether a capture or start time, already of the shape staging.parse_timestamp asks for, is a
-- timestamptz PostgreSQL reads: pg_input_is_valid checks it without raising (PostgreSQL 16+).
-- PostgreSQL 15 gets staging_timestamp_text_valid.pg15.sql instead (the header line above picks
-- the file by server version). A single-expression SQL function: inlined into the caller.
CREATE OR REPLACE FUNCTION staging.timestamp_text_valid (p_value text) RETURNS boolean LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT pg_input_is_valid(p_value, 'timestamptz')
$$;
