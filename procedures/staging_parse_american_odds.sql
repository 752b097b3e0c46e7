-- An American price as scraped -> integer, or NULL when it is not one. Accepted: optional spaces,
-- an optional sign, then 3 to 5 ASCII digits without a leading zero, with |odds| in 100..20000
-- ('+130' -> 130, ' -110 ' -> -110). Rejected (NULL): decimals ('-110.5'), 'NaN', 'Infinity',
-- exponents, Unicode digits, '0', '50', overflowing digit strings. The regex decides before any
-- cast, so no input can raise an error. staging.american_odds_reason says why a value is rejected.
CREATE OR REPLACE FUNCTION staging.parse_american_odds (p_odds text) RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN btrim(p_odds) ~ '^[+-]?[1-9][0-9][0-9][0-9]?[0-9]?$' AND abs(p_odds::integer) BETWEEN 100 AND 20000
      THEN p_odds::integer
  END
$$;
