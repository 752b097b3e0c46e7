-- How pipeline.generate_sample splits p_rows: one row per raw table with its row count, the
-- number of clean games the market rows refer to, and the pre-game and live rounds (snapshots
-- per game, book and market). S, the target snapshots per game, book and market, is at least 8
-- and grows with p_rows so that 10M rows are one season of about 2430 games; there is one game
-- row per 1 + 36 x S rows (3 markets x 12 books x S), the rest split evenly over the three
-- market tables; 15% of a table's rounds (at least 1 when there are 2 or more) are live.
CREATE OR REPLACE FUNCTION pipeline.sample_plan (
  p_rows bigint,
  p_seed bigint,
  p_bad_ratio double precision
) RETURNS TABLE (
  source text,
  market integer,
  row_count bigint,
  games bigint,
  rounds_pre bigint,
  rounds_live bigint
) LANGUAGE sql STABLE PARALLEL SAFE AS $$
  WITH split AS (
    SELECT least(p_rows, greatest(1, round(p_rows / (1 + 36.0 * least(400, greatest(8, ceil(p_rows / (2430.0 * 36))))))))::bigint
             AS game_rows
  ), clean AS (
    SELECT s.game_rows, p_rows - s.game_rows AS market_rows,
           (SELECT count(*) FROM generate_series(0, s.game_rows - 1) AS i
             WHERE i = 0 OR pipeline.sample_u(p_seed, i, 1) >= p_bad_ratio) AS games
      FROM split s
  ), tables AS (
    SELECT m.market, (ARRAY['moneylines', 'spreads', 'totals'])[m.market] AS source,
           c.market_rows / 3 + CASE WHEN m.market <= c.market_rows % 3 THEN 1 ELSE 0 END AS row_count, c.games
      FROM clean c, generate_series(1, 3) AS m (market)
  ), rounds AS (
    SELECT t.*, ceil(t.row_count / (t.games * 12.0))::bigint AS total_rounds FROM tables t
  )
  SELECT 'games', 0, c.game_rows, c.games, NULL::bigint, NULL::bigint FROM clean c
  UNION ALL
  SELECT r.source, r.market, r.row_count, r.games,
         r.total_rounds - CASE WHEN r.total_rounds >= 2 THEN greatest(1, round(r.total_rounds * 0.15)) ELSE 0 END,
         CASE WHEN r.total_rounds >= 2 THEN greatest(1, round(r.total_rounds * 0.15)) ELSE 0 END
    FROM rounds r
$$;
