-- The zone test, written once: whether a time as scraped carries no zone. After its date and
-- time (the first 16 characters once trimmed, YYYY-MM-DD HH:MM) only seconds, a fraction,
-- spaces and AM/PM or AD remain (they are not zones). Such a time is read as UTC
-- (staging.parse_timestamp) and counts as one repair in a row's quality score
-- (staging.game_repairs, staging.market_repairs). Meaningful only for a text that parses.
CREATE OR REPLACE FUNCTION staging.zoneless (p_value text) RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT rtrim(replace(replace(replace(upper(substr(btrim(p_value), 17)), 'AM', ''), 'PM', ''), 'AD', ''), '0123456789:. ') = ''
$$;
