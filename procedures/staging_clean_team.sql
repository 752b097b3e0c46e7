-- A team name as scraped -> trimmed, inner runs of spaces collapsed to one, or NULL when it is
-- not a name: after cleaning, 2 to 40 characters of ASCII letters, digits, spaces and . & ' -,
-- starting with a letter or digit ('  New York  Yankees ' -> 'New York Yankees').
CREATE OR REPLACE FUNCTION staging.clean_team (p_team text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN p_team ~ '^ *[A-Za-z0-9][A-Za-z0-9 .&''-]* *$'
     AND length(regexp_replace(btrim(p_team), ' +', ' ', 'g')) BETWEEN 2 AND 40
      THEN regexp_replace(btrim(p_team), ' +', ' ', 'g')
  END
$$;
