-- A raw value as it may appear in a quarantine message: double-quoted, control characters
-- shown as '?', at most 60 characters (longer values are cut and marked with '...'), NULL as
-- the word NULL. The full value is always kept in the quarantine row's raw_row.
CREATE OR REPLACE FUNCTION staging.quote_value (p_value text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN p_value IS NULL THEN 'NULL'
    ELSE '"' || regexp_replace(left(p_value, 60), '[[:cntrl:]]', '?', 'g')
         || CASE WHEN length(p_value) > 60 THEN '..."' ELSE '"' END
  END
$$;
