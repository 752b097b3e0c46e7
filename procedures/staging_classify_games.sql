-- The staging judgement of the raw.games rows with id in [p_lo, p_hi], one output row per raw
-- row, computed in one pass and without writing anything: either the cleaned, typed values
-- (reason_code NULL) or a reason_code, a message and the raw row as jsonb. The rules are in
-- staging.game_reject_reason; on top of them, of several valid rows with one external_game_id
-- the lowest raw id is staged and the others are duplicate_game. That is judged against the
-- whole of raw.games through raw_games_game_hash_idx, so the answer does not depend on how the
-- key space was cut into ranges nor on which range ran first. validation_status is 'warning'
-- below a score of 90 (an implausible start hour, a row ingested after the start, or two repairs).
CREATE OR REPLACE FUNCTION staging.classify_games (p_lo bigint, p_hi bigint) RETURNS TABLE (
  source_raw_id bigint,
  external_game_id text,
  home_team text,
  away_team text,
  game_start timestamptz,
  data_quality_score numeric,
  validation_status text,
  reason_code text,
  message text,
  raw_row jsonb
) LANGUAGE sql STABLE PARALLEL SAFE AS $$
SELECT v.id,
       v.gid,
       v.home,
       v.away,
       v.start,
       k.score,
       staging.game_status(k.score),
       k.reason,
       CASE k.reason
         WHEN 'missing_field' THEN concat_ws(', ',
             CASE WHEN coalesce(btrim(v.external_game_id), '') = '' THEN 'external_game_id' END,
             CASE WHEN coalesce(btrim(v.home_team), '') = '' THEN 'home_team' END,
             CASE WHEN coalesce(btrim(v.away_team), '') = '' THEN 'away_team' END,
             CASE WHEN coalesce(btrim(v.game_start), '') = '' THEN 'game_start' END) || ' missing'
         WHEN 'invalid_game_id' THEN 'external_game_id ' || staging.quote_value(v.external_game_id)
             || ' is not 1-64 letters, digits and . _ : -'
         WHEN 'invalid_team' THEN 'team ' || staging.quote_value(CASE WHEN v.home IS NULL THEN v.home_team ELSE v.away_team END)
             || ' is not a team name (2-40 letters, digits, spaces and . & '' -)'
         WHEN 'same_teams' THEN 'home and away are the same team ' || staging.quote_value(v.home)
         WHEN 'invalid_timestamp' THEN 'game_start ' || staging.quote_value(v.game_start) || ' is not an ISO 8601 date and time'
         WHEN 'timestamp_out_of_range' THEN 'game_start ' || staging.quote_value(v.game_start)
             || ' is before 2000 or more than 2 years after the row was ingested'
         WHEN 'duplicate_game' THEN 'duplicate of raw.games id ' || d.id
       END,
       CASE WHEN k.reason IS NOT NULL THEN jsonb_build_object(
         'id', v.id, 'external_game_id', v.external_game_id, 'home_team', v.home_team,
         'away_team', v.away_team, 'game_start', v.game_start, 'ingested_at', to_char(v.ingested_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) END
  FROM (SELECT r.*,
               btrim(r.external_game_id) AS gid,
               staging.clean_team(r.home_team) AS home,
               staging.clean_team(r.away_team) AS away,
               staging.parse_timestamp(r.game_start) AS start,
               staging.game_reject_reason(r.external_game_id, r.home_team, r.away_team, r.game_start, r.ingested_at) AS reason
          FROM raw.games r
         WHERE r.id BETWEEN p_lo AND p_hi
        OFFSET 0) v
  LEFT JOIN LATERAL (
        SELECT o.id
          FROM raw.games o
         WHERE v.reason IS NULL
           AND raw.game_hash(o.external_game_id) = raw.game_hash(v.external_game_id)
           AND o.id < v.id
           AND btrim(o.external_game_id) = v.gid
           AND staging.game_reject_reason(o.external_game_id, o.home_team, o.away_team, o.game_start, o.ingested_at) IS NULL
         ORDER BY o.id
         LIMIT 1) d ON TRUE
 CROSS JOIN LATERAL (
        SELECT coalesce(v.reason, CASE WHEN d.id IS NOT NULL THEN 'duplicate_game' END) AS reason,
               CASE WHEN v.reason IS NULL AND d.id IS NULL THEN staging.game_quality_score(v.start, v.ingested_at,
                   staging.game_repairs(v.external_game_id, v.home_team, v.away_team, v.game_start)) END AS score
        OFFSET 0) k
$$;
