-- Why staging.parse_american_odds rejects a value (NULL when it accepts it):
--   missing_field      NULL, empty or only spaces
--   odds_out_of_range  a whole number, but |odds| < 100 or > 20000 (or too many digits to be one)
--   invalid_odds       anything else: decimals, NaN, Infinity, text, Unicode digits
CREATE OR REPLACE FUNCTION staging.american_odds_reason (p_odds text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN staging.parse_american_odds(p_odds) IS NOT NULL THEN NULL
    WHEN p_odds IS NULL OR p_odds ~ '^ *$' THEN 'missing_field'
    WHEN p_odds ~ '^ *[+-]?[0-9]+ *$' THEN 'odds_out_of_range'
    ELSE 'invalid_odds'
  END
$$;
