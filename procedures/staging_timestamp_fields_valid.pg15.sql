-- pgphase:server-version < 16
-- The full field check behind staging.timestamp_text_valid on PostgreSQL 15, which has no
-- pg_input_is_valid: whether PostgreSQL reads the text as a timestamptz, answered without casting
-- (so without raising, and without a subtransaction per value), for the forms docs/staging.md
-- documents. staging_timestamp_text_valid.pg15.sql calls it only for texts its inlined fast path
-- does not settle (anything but YYYY-MM-DD?HH:MM:SS with Z, +00, +00:00 or no zone).
-- After the shape check of staging.parse_timestamp, the trimmed text
-- must be: YYYY-MM-DD, 'T' or a space, HH:MM, optional :SS and fraction, then at most one of
-- Z or an offset (+HH, +HHMM, +HH:MM; HH <= 15, attached or after a space), or after a space
-- AM, PM, AD, BC or a zone name or abbreviation PostgreSQL knows (staging.known_time_zones).
-- The fields are range-checked as PostgreSQL does (month, days of the month with leap years,
-- hour up to 23, 24:00:00 exactly, up to 12 with AM/PM, minute up to 59, second up to 60).
-- Rarer forms PostgreSQL's own parser also reads (a day name after the time, HH:MM.fraction read
-- as minutes and seconds, AM/PM followed by a zone, a one-digit offset, an offset with seconds,
-- a year 4714 BC, tabs around the text, 23:59:60.0000001) are refused here: on 15 they are
-- invalid_timestamp (test/integration/timestampVersions.test.ts lists them).
-- PL/pgSQL without any EXCEPTION block (no subtransaction): each piece of the text is computed
-- once, which an inlined single-expression form of all these checks could not do (it repeated
-- them, 30x the cost of the cast it guards). Every cast below runs only on digits the checks
-- before it found.
CREATE OR REPLACE FUNCTION staging.timestamp_fields_valid (p_value text) RETURNS boolean LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
  v_text constant text := btrim(p_value);
  v_rest constant text := substr(v_text, 17);            -- after YYYY-MM-DD?HH:MM
  v_zone constant text := ltrim(v_rest, '0123456789:.'); -- after the seconds and fraction
  v_seg constant text := left(v_rest, length(v_rest) - length(v_zone));
  v_word constant text := lower(substr(v_zone, 2));
  v_year int;
  v_month int;
  v_day int;
  v_hour int;
  v_second int;
  v_astro int;
  v_days int;
  v_fraction_zero boolean;
BEGIN
  -- the shape: digits where YYYY-MM-DD?HH:MM has them, then :SS and .fraction, then the zone part
  IF translate(left(v_text, 16), '0123456789', '0000000000') NOT IN ('0000-00-00T00:00', '0000-00-00 00:00') THEN
    RETURN false;
  END IF;
  IF NOT (v_seg = '' OR translate(v_seg, '0123456789', '0000000000') = ':00'
      OR (left(translate(v_seg, '0123456789', '0000000000'), 4) = ':00.' AND length(v_seg) > 4 AND translate(substr(v_seg, 5), '0123456789', '') = '')) THEN
    RETURN false;
  END IF;
  IF v_zone = '' OR v_zone IN ('Z', 'z') OR (left(v_zone, 1) = ' ' AND v_word IN ('am', 'pm', 'ad', 'bc')) THEN
    NULL;
  ELSIF translate(v_zone, '0123456789', '0000000000') IN ('+00', '-00', '+0000', '-0000', '+00:00', '-00:00', ' +00', ' -00', ' +0000', ' -0000', ' +00:00', ' -00:00') THEN
    -- an offset: at most 15 hours and 59 minutes
    IF substr(btrim(v_zone), 2, 2)::int > 15 OR (length(btrim(v_zone)) > 3 AND right(v_zone, 2)::int > 59) THEN
      RETURN false;
    END IF;
  ELSIF NOT (left(v_zone, 1) = ' ' AND v_word = ANY (staging.known_time_zones())) THEN
    RETURN false;
  END IF;
  -- the date: year 1 to 9999, or up to 4713 BC; the Gregorian leap rule on the astronomical year
  v_year := left(v_text, 4)::int;
  v_month := substr(v_text, 6, 2)::int;
  v_day := substr(v_text, 9, 2)::int;
  IF v_year < 1 OR (v_word = 'bc' AND v_year > 4713) OR v_month NOT BETWEEN 1 AND 12 OR v_day < 1 THEN
    RETURN false;
  END IF;
  v_astro := CASE WHEN v_word = 'bc' THEN 1 - v_year ELSE v_year END;
  v_days := CASE WHEN v_month IN (4, 6, 9, 11) THEN 30 WHEN v_month <> 2 THEN 31
                 WHEN v_astro % 4 = 0 AND (v_astro % 100 <> 0 OR v_astro % 400 = 0) THEN 29 ELSE 28 END;
  IF v_day > v_days THEN
    RETURN false;
  END IF;
  -- the time: minute, second (60 only without a fraction), hour (24:00:00 exactly; 0-12 with AM/PM)
  v_hour := substr(v_text, 12, 2)::int;
  v_second := CASE WHEN v_seg = '' THEN 0 ELSE substr(v_seg, 2, 2)::int END;
  v_fraction_zero := ltrim(substr(v_seg, 5), '0') = '';
  IF substr(v_text, 15, 2)::int > 59 OR v_second > 60 OR (v_second = 60 AND NOT v_fraction_zero) THEN
    RETURN false;
  END IF;
  IF left(v_zone, 1) = ' ' AND v_word IN ('am', 'pm') THEN
    RETURN v_hour <= 12;
  END IF;
  RETURN v_hour <= 23 OR (v_hour = 24 AND substr(v_text, 15, 2) = '00' AND v_second = 0 AND v_fraction_zero);
END
$$;
