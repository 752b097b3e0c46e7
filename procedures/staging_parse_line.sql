-- A line (run line or total) as scraped -> numeric, or NULL when it is not a plain decimal
-- number: optional spaces and sign, up to 3 digits, optionally a point and up to 3 decimals
-- ('8.5', '+1.5', '-1.50'). 'NaN', 'Infinity', exponents, commas and Unicode digits are rejected
-- by the regex before the cast, so no input can raise an error. Range and half-run steps are
-- judged by the caller.
CREATE OR REPLACE FUNCTION staging.parse_line (p_line text) RETURNS numeric LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN btrim(p_line) ~ '^[+-]?[0-9][0-9]?[0-9]?(\.[0-9][0-9]?[0-9]?)?$' THEN p_line::numeric END
$$;
