-- The quarantine message of a rejected market snapshot: what is wrong with which field, quoting
-- the value (staging.quote_value). p_code is the reason code, p_field the column it is about
-- (or the raw table, for duplicate_snapshot), p_value the raw value (or the original's id).
-- PL/pgSQL, not SQL: the classifications pass p_value as a CASE over the field, an argument the
-- planner will not inline into a body that names it in every branch. A SQL function that is not
-- inlined starts an executor per call (about 20 us, most of it building this CASE again), so
-- the spreads and totals classifications spent about a fifth of their time here, on the rejected
-- rows only. PL/pgSQL evaluates the CASE as a cached simple expression: about 1.4 us per call.
CREATE OR REPLACE FUNCTION staging.reject_message (p_code text, p_field text, p_value text) RETURNS text LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
  RETURN CASE p_code
    WHEN 'missing_field' THEN p_field || ' is missing'
    WHEN 'invalid_sportsbook' THEN 'sportsbook ' || staging.quote_value(p_value)
      || ' is not a name (1-40 ASCII letters, digits, spaces and . & '' _ -)'
    WHEN 'invalid_timestamp' THEN p_field || ' ' || staging.quote_value(p_value) || ' is not an ISO 8601 date and time'
    WHEN 'timestamp_out_of_range' THEN p_field || ' ' || staging.quote_value(p_value)
      || ' is before 2000, more than 366 days before its game or more than 24 hours after its start'
    WHEN 'unknown_game' THEN 'no staged game ' || staging.quote_value(p_value)
    WHEN 'invalid_odds' THEN p_field || ' ' || staging.quote_value(p_value) || ' is not a whole American price (-110, +130)'
    WHEN 'odds_out_of_range' THEN p_field || ' ' || staging.quote_value(p_value) || ' is not within 100..20000 in absolute value'
    WHEN 'invalid_line' THEN p_field || ' ' || staging.quote_value(p_value) || ' is not a number'
    WHEN 'line_not_half_step' THEN p_field || ' ' || staging.quote_value(p_value) || ' is not a multiple of 0.5'
    WHEN 'line_out_of_range' THEN p_field || ' ' || staging.quote_value(p_value)
      || CASE WHEN p_field = 'total_line' THEN ' is outside 4.0..20.0' ELSE ' is outside 0.5..5.5 in absolute value' END
    WHEN 'line_mismatch' THEN 'home_line and away_line ' || staging.quote_value(p_value) || ' are not opposite'
    WHEN 'overround_negative' THEN 'overround ' || p_value || ' is below 0: the two prices are an arbitrage'
    WHEN 'overround_too_high' THEN 'overround ' || p_value || ' is at or above the 0.15 ceiling'
    WHEN 'duplicate_snapshot' THEN 'duplicate of ' || p_field || ' id ' || p_value
    ELSE p_code || ': ' || p_field || ' ' || staging.quote_value(p_value)
  END;
END
$$;
