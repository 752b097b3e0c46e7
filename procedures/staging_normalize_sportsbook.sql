-- A sportsbook name as scraped -> its lexical key, or NULL when it is not a name. Accepted after
-- trimming: 1 to 40 characters of ASCII letters, digits, spaces and . & ' _ - (so control
-- characters, quotes other than the apostrophe, semicolons and other SQL punctuation, and
-- non-ASCII text are refused), with at least one letter or digit. The key folds case, spaces
-- and punctuation (raw.sportsbook_key: ' Draft-Kings ' -> draftkings), the same folding the
-- duplicate lookup's index uses. (Regexes here avoid bounded repetition such as {0,39}: in
-- PostgreSQL's engine it costs several times an unbounded one.) Known aliases ('DK', 'William Hill') are resolved by the
-- caller through staging.sportsbook_aliases, so the list can change without a new function.
CREATE OR REPLACE FUNCTION staging.normalize_sportsbook (p_name text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN length(btrim(p_name)) <= 40 AND btrim(p_name) ~ '^[A-Za-z0-9][A-Za-z0-9 .&''_-]*$'
      THEN raw.sportsbook_key(p_name)
  END
$$;
