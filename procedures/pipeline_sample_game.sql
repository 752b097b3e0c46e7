-- Game number p_n (0-based) of the generator's schedule, a pure function of (seed, n): 2430
-- games a season from 2024-03-28 over 186 days (then 2025, ...), about 13 a day. A day's games
-- are pairings of a round-robin "circle" over the 30 teams, so no team plays twice a day
-- except in a doubleheader: now and then (4%) a game repeats the previous game's two teams on
-- the same day, 5 hours apart. Starts are evening slots (1:05 pm to 10:10 pm Eastern, in UTC).
-- It also draws the game's market: the home team's fair win probability, the expected total
-- runs, and whether a steam move is planted in it (5% of games), when (a fraction of the
-- pre-game rounds) and in which direction per market. See docs/staging.md.
CREATE OR REPLACE FUNCTION pipeline.sample_game (p_seed bigint, p_n bigint) RETURNS TABLE (
  external_game_id text,
  home_team text,
  away_team text,
  game_start timestamptz,
  home_probability double precision,
  total_runs double precision,
  steam boolean,
  steam_at double precision,
  steam_home integer,
  steam_over integer
) LANGUAGE sql STABLE PARALLEL SAFE AS $$
  WITH base AS (
    SELECT k, d, season, m - (d * 2430 + 185) / 186 AS w,
           (ARRAY[1025, 1090, 1210, 1385, 1390, 1420, 1445, 1540, 1570])
             [1 + floor(pipeline.sample_u(p_seed, k, 12) * 9)::integer] AS minute,
           pipeline.sample_u(p_seed, k, 11) < 0.5 AS swap,
           pipeline.sample_u(p_seed, k, 13) < 0.04 AS dh_draw
      FROM (SELECT k, k / 2430 AS season, k % 2430 AS m, (k % 2430) * 186 / 2430 AS d
              FROM (SELECT DISTINCT k FROM (VALUES (p_n), (greatest(p_n - 1, 0))) AS v (k)) AS v) AS s
  ), paired AS (
    SELECT b.*,
           (DATE '2024-03-28' + b.season * interval '1 year' + b.d * interval '1 day')::date AS day,
           CASE WHEN b.w = 0 THEN 29 ELSE (b.d + b.w) % 29 END AS t1,
           CASE WHEN b.w = 0 THEN b.d % 29 ELSE (b.d - b.w % 29 + 29) % 29 END AS t2
      FROM base b
  ), g AS (
    SELECT cur.day, cur.season, cur.minute AS cur_minute, prev.minute AS prev_minute,
           cur.k > 0 AND cur.dh_draw AND NOT prev.dh_draw AND prev.day = cur.day AS dh,
           cur.swap AS cur_swap, cur.t1 AS cur_t1, cur.t2 AS cur_t2,
           prev.swap AS prev_swap, prev.t1 AS prev_t1, prev.t2 AS prev_t2
      FROM paired cur, paired prev
     WHERE cur.k = p_n AND prev.k = greatest(p_n - 1, 0)
  ), chosen AS (
    SELECT g.*,
           CASE WHEN g.dh THEN g.prev_swap ELSE g.cur_swap END AS swap,
           CASE WHEN g.dh THEN g.prev_t1 ELSE g.cur_t1 END AS t1,
           CASE WHEN g.dh THEN g.prev_t2 ELSE g.cur_t2 END AS t2
      FROM g
  )
  SELECT format('MLB-%s-%s', 2024 + x.season, lpad((p_n % 2430 + 1)::text, 4, '0')),
         teams.t[1 + CASE WHEN x.swap THEN x.t2 ELSE x.t1 END],
         teams.t[1 + CASE WHEN x.swap THEN x.t1 ELSE x.t2 END],
         (x.day::timestamp + CASE
            WHEN NOT x.dh THEN x.cur_minute
            WHEN x.prev_minute >= 1320 THEN x.prev_minute - 300
            ELSE x.prev_minute + 300 END * interval '1 minute') AT TIME ZONE 'UTC',
         0.35 + 0.30 * pipeline.sample_u(p_seed, p_n, 14),
         7.0 + 4.0 * pipeline.sample_u(p_seed, p_n, 15),
         pipeline.sample_u(p_seed, p_n, 16) < 0.05,
         pipeline.sample_u(p_seed, p_n, 17),
         CASE WHEN pipeline.sample_u(p_seed, p_n, 18) < 0.5 THEN 1 ELSE -1 END,
         CASE WHEN pipeline.sample_u(p_seed, p_n, 19) < 0.5 THEN 1 ELSE -1 END
    FROM chosen x,
         (SELECT ARRAY['ARI','ATL','BAL','BOS','CHC','CWS','CIN','CLE','COL','DET','HOU','KC','LAA','LAD','MIA',
                       'MIL','MIN','NYM','NYY','OAK','PHI','PIT','SD','SF','SEA','STL','TB','TEX','TOR','WSH'] AS t) AS teams
$$;
