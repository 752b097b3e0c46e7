-- The raw.games rows of pipeline.generate_sample, as text as a scraper would store them: p_rows
-- rows, row i returned for the caller to number ids by. Row 0 and every row whose draw is not
-- bad (share 1 - p_bad_ratio) is the next game of the schedule (pipeline.sample_game), in a
-- canonical or a harmless variant spelling (padded team, +00:00 or no zone): the games the
-- market rows refer to are exactly these, numbered 0, 1, ... in row order. A bad row has one
-- defect of a kind drawn uniformly: missing_field, invalid_game_id, invalid_team, same_teams,
-- invalid_timestamp, timestamp_out_of_range (with an id of its own, MLB-BAD-<i>), or
-- duplicate_game (an exact copy of the previous clean row). Rows were ingested 30 days before
-- the game. defect is the reason code staging must give the row (NULL: staged), for tests.
CREATE OR REPLACE FUNCTION pipeline.sample_games (
  p_seed bigint,
  p_rows bigint,
  p_bad_ratio double precision
) RETURNS TABLE (
  i bigint,
  external_game_id text,
  home_team text,
  away_team text,
  game_start text,
  ingested_at timestamptz,
  defect text
) LANGUAGE sql STABLE PARALLEL SAFE AS $$
WITH drawn AS (
  SELECT r.i, r.bad,
         count(*) FILTER (WHERE NOT r.bad) OVER (ORDER BY r.i) - 1 AS n,
         (ARRAY['missing_field', 'invalid_game_id', 'invalid_team', 'same_teams', 'invalid_timestamp',
                'timestamp_out_of_range', 'duplicate_game'])[1 + floor(pipeline.sample_u(p_seed, r.i, 2) * 7)::integer] AS kind,
         pipeline.sample_u(p_seed, r.i, 3) AS v,
         pipeline.sample_u(p_seed, r.i, 4) AS u_form
    FROM (SELECT i, i > 0 AND pipeline.sample_u(p_seed, i, 1) < p_bad_ratio AS bad
            FROM generate_series(0, p_rows - 1) AS i) AS r
), clean AS (
  SELECT d.*, g.external_game_id AS game, g.home_team AS home, g.away_team AS away, g.game_start AS start_ts,
         CASE WHEN d.bad THEN to_char(g.game_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
              WHEN d.u_form < 0.85 THEN to_char(g.game_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
              WHEN d.u_form < 0.95 THEN to_char(g.game_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"+00:00"')
              ELSE to_char(g.game_start AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') END AS start_text
    FROM drawn d,
         LATERAL pipeline.sample_game(p_seed, d.n) AS g
), spelled AS (
  SELECT c.*,
         CASE WHEN c.bad AND c.kind = 'duplicate_game' THEN c.game
              WHEN c.bad THEN 'MLB-BAD-' || c.i ELSE c.game END AS game_text,
         CASE WHEN NOT c.bad AND pipeline.sample_u(p_seed, c.i, 5) < 0.03 THEN ' ' || c.home || ' ' ELSE c.home END AS home_text
    FROM clean c
)
SELECT s.i,
       CASE WHEN s.bad AND s.kind = 'invalid_game_id' THEN 'MLB 2024/' || s.i ELSE s.game_text END,
       CASE WHEN NOT s.bad OR s.kind NOT IN ('missing_field', 'invalid_team') THEN s.home_text
            WHEN s.kind = 'missing_field' THEN NULL
            ELSE (ARRAY['N;Y', repeat('Y', 60), 'NY' || chr(7), chr(129506)])[1 + floor(s.v * 4)::integer] END,
       CASE WHEN s.bad AND s.kind = 'same_teams' THEN s.home ELSE s.away END,
       CASE WHEN NOT s.bad OR s.kind NOT IN ('invalid_timestamp', 'timestamp_out_of_range') THEN s.start_text
            WHEN s.kind = 'invalid_timestamp' THEN (ARRAY['2024-02-30 19:05', 'TBD', '2024-04-31T23:05:00Z', 'soon'])[1 + floor(s.v * 4)::integer]
            ELSE CASE WHEN s.v < 0.5 THEN '1999' ELSE '2150' END || substr(s.start_text, 5) END,
       s.start_ts - interval '720 hours',
       CASE WHEN s.bad THEN s.kind END
  FROM spelled s
$$;
