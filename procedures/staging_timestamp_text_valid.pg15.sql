-- pgphase:server-version < 16
-- staging.timestamp_text_valid for PostgreSQL 15, which has no pg_input_is_valid: the same answer
-- without casting (so without raising, and without a subtransaction per value), for the forms
-- docs/staging.md documents. After the shape check of staging.parse_timestamp, the trimmed text
-- must be: YYYY-MM-DD, 'T' or a space, HH:MM, optional :SS and fraction, then at most one of
-- Z or an offset (+HH, +HHMM, +HH:MM; HH <= 15, attached or after a space), or after a space
-- AM, PM, AD, BC or a zone name or abbreviation PostgreSQL knows (staging.known_time_zones).
-- The fields are range-checked as PostgreSQL does (month, days of the month with leap years,
-- hour up to 23, 24:00:00 exactly, up to 12 with AM/PM, minute up to 59, second up to 60).
-- Rarer forms PostgreSQL's own parser also reads (a day name after the time, HH:MM.fraction read
-- as minutes and seconds, AM/PM followed by a zone, a one-digit offset, an offset with seconds,
-- a year 4714 BC, tabs around the text, 23:59:60.0000001) are refused here: on 15 they are
-- invalid_timestamp (test/integration/timestampVersions.test.ts lists them). A single-expression SQL function: inlined into the caller; the regex
-- runs only on values that passed the LIKE shape check.
CREATE OR REPLACE FUNCTION staging.timestamp_text_valid (p_value text) RETURNS boolean LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN NOT btrim(p_value) ~* '^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?( ?(z|[+-][0-9]{2}(:?[0-9]{2})?)| [a-z][a-z0-9_/+-]*)?$' THEN false
    -- the zone part: what follows the seconds and fraction
    WHEN NOT CASE
      WHEN lower(btrim(ltrim(substr(btrim(p_value), 17), '0123456789:.'))) IN ('', 'am', 'pm', 'ad', 'bc') THEN true
      WHEN left(btrim(ltrim(substr(btrim(p_value), 17), '0123456789:.')), 1) IN ('+', '-') THEN
        substr(btrim(ltrim(substr(btrim(p_value), 17), '0123456789:.')), 2, 2)::int <= 15
        AND (length(btrim(ltrim(substr(btrim(p_value), 17), '0123456789:.'))) = 3 OR right(btrim(p_value), 2)::int <= 59)
      ELSE lower(btrim(ltrim(substr(btrim(p_value), 17), '0123456789:.'))) = ANY (staging.known_time_zones())
    END THEN false
    -- the date (year 1 to 9999, or up to 4713 BC; the Gregorian leap rule on the astronomical year)
    WHEN substr(btrim(p_value), 1, 4)::int < 1 THEN false
    WHEN lower(right(btrim(p_value), 3)) = ' bc' AND substr(btrim(p_value), 1, 4)::int > 4713 THEN false
    WHEN substr(btrim(p_value), 6, 2)::int NOT BETWEEN 1 AND 12 THEN false
    WHEN substr(btrim(p_value), 9, 2)::int < 1 OR substr(btrim(p_value), 9, 2)::int > CASE
      WHEN substr(btrim(p_value), 6, 2)::int IN (4, 6, 9, 11) THEN 30
      WHEN substr(btrim(p_value), 6, 2)::int <> 2 THEN 31
      WHEN (CASE WHEN lower(right(btrim(p_value), 3)) = ' bc' THEN 1 - substr(btrim(p_value), 1, 4)::int ELSE substr(btrim(p_value), 1, 4)::int END) % 4 = 0
       AND ((CASE WHEN lower(right(btrim(p_value), 3)) = ' bc' THEN 1 - substr(btrim(p_value), 1, 4)::int ELSE substr(btrim(p_value), 1, 4)::int END) % 100 <> 0
         OR (CASE WHEN lower(right(btrim(p_value), 3)) = ' bc' THEN 1 - substr(btrim(p_value), 1, 4)::int ELSE substr(btrim(p_value), 1, 4)::int END) % 400 = 0) THEN 29
      ELSE 28
    END THEN false
    -- the time: minute, second (60 only without a fraction), hour
    WHEN substr(btrim(p_value), 15, 2)::int > 59 THEN false
    WHEN substr(btrim(p_value), 17, 1) = ':' AND (substr(btrim(p_value), 18, 2)::int > 60
      OR (substr(btrim(p_value), 18, 2)::int = 60 AND ltrim(substr(btrim(p_value), 21, greatest(0, length(btrim(p_value)) - 20 - length(ltrim(substr(btrim(p_value), 17), '0123456789:.')))), '0') <> '')) THEN false
    WHEN lower(right(btrim(p_value), 3)) IN (' am', ' pm') THEN substr(btrim(p_value), 12, 2)::int <= 12
    WHEN substr(btrim(p_value), 12, 2)::int = 24 THEN substr(btrim(p_value), 15, 2) = '00'
      AND (substr(btrim(p_value), 17, 1) <> ':' OR substr(btrim(p_value), 18, 2) = '00')
      AND ltrim(substr(btrim(p_value), 21, greatest(0, length(btrim(p_value)) - 20 - length(ltrim(substr(btrim(p_value), 17), '0123456789:.')))), '0') = ''
    ELSE substr(btrim(p_value), 12, 2)::int <= 23
  END
$$;
