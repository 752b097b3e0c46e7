-- Why a total's line cannot be staged (NULL when it can), as 'reason_code:field', first failing
-- rule first, written once: missing_field, invalid_line (staging.parse_line), line_not_half_step,
-- line_out_of_range (4.0..20.0 runs). p_text is the raw text, p_line what parse_line made of it.
CREATE OR REPLACE FUNCTION staging.total_line_reason (p_text text, p_line numeric) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN coalesce(btrim(p_text), '') = '' THEN 'missing_field:total_line'
    WHEN p_line IS NULL THEN 'invalid_line:total_line'
    WHEN p_line % 0.5 <> 0 THEN 'line_not_half_step:total_line'
    WHEN p_line NOT BETWEEN 4.0 AND 20.0 THEN 'line_out_of_range:total_line'
  END
$$;
