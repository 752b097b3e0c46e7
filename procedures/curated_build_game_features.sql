-- Curated step 5 of 5: the cross-book summary per (game, market) into
-- game_market_features, then one row per game of the range into game_features,
-- the vector an ML job reads. Every game of the range gets its row, also one without any pre-game
-- snapshot (has_pregame = false, market features NULL, counts 0). p_games returns how many.
-- "Moved" (books_moved_*): the book's line moved by at least line_move_min points, or its fair
-- probability by at least move_min, between the checkpoint and the close.
-- Reverse line movement (rlm): the sharp books' mean move open -> close is at least the threshold
-- (move_min in fair probability for the moneyline, line_move_min in points for spreads and totals)
-- and the soft books' mean move goes the other way. NULL without a sharp or a soft book.
CREATE OR REPLACE PROCEDURE curated.build_game_features (
  p_lo bigint,
  p_hi bigint,
  INOUT p_games bigint DEFAULT NULL
) LANGUAGE plpgsql AS $$
DECLARE
  v_set curated.settings%ROWTYPE;
BEGIN
  SELECT * INTO STRICT v_set FROM curated.settings;

  INSERT INTO game_market_features (
    game_id, market, n_books, n_snapshots, open_fair_a, close_fair_a, fair_move,
    open_line, close_line, line_move, volatility, line_volatility, momentum,
    late_move_15m, late_move_1h, late_move_3h, late_line_move_15m, late_line_move_1h, late_line_move_3h,
    books_moved_15m, books_moved_1h, books_moved_3h,
    dispersion_sd, dispersion_range, best_line_overround, arbitrage, mean_hold,
    sharp_fair_a, soft_fair_a, soft_sharp_gap, sharp_line, sharp_move, soft_move, sharp_line_move, soft_line_move,
    rlm, steam_a, steam_b)
  WITH books AS (
    SELECT b.game_id, b.market,
           count(*) AS n_books, sum(b.n_snapshots) AS n_snapshots,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY b.open_fair_a) AS open_fair_a,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY b.open_line) AS open_line,
           avg(b.volatility ORDER BY b.sportsbook) AS volatility,
           avg(b.line_volatility ORDER BY b.sportsbook) AS line_volatility,
           avg(b.momentum ORDER BY b.sportsbook) AS momentum,
           count(*) FILTER (WHERE abs(b.late_line_move_15m) >= v_set.line_move_min
                               OR abs(b.late_move_15m) >= v_set.move_min) AS books_moved_15m,
           count(*) FILTER (WHERE abs(b.late_line_move_1h) >= v_set.line_move_min
                               OR abs(b.late_move_1h) >= v_set.move_min) AS books_moved_1h,
           count(*) FILTER (WHERE abs(b.late_line_move_3h) >= v_set.line_move_min
                               OR abs(b.late_move_3h) >= v_set.move_min) AS books_moved_3h,
           avg(b.close_hold ORDER BY b.sportsbook) AS mean_hold,
           avg(b.fair_move ORDER BY b.sportsbook) FILTER (WHERE b.tier = 'sharp') AS sharp_move,
           avg(b.fair_move ORDER BY b.sportsbook) FILTER (WHERE b.tier = 'soft') AS soft_move,
           avg(b.line_move) FILTER (WHERE b.tier = 'sharp') AS sharp_line_move,
           avg(b.line_move) FILTER (WHERE b.tier = 'soft') AS soft_line_move,
           avg(b.close_line) FILTER (WHERE b.tier = 'sharp') AS sharp_line
      FROM book_market_features b
     WHERE b.game_id BETWEEN p_lo AND p_hi
     GROUP BY b.game_id, b.market
  ),
  consensus AS (
    SELECT c.game_id, c.market,
           min(c.consensus_fair_a) FILTER (WHERE c.minutes_before = 0) AS fair_0,
           min(c.consensus_fair_a) FILTER (WHERE c.minutes_before = 15) AS fair_15,
           min(c.consensus_fair_a) FILTER (WHERE c.minutes_before = 60) AS fair_60,
           min(c.consensus_fair_a) FILTER (WHERE c.minutes_before = 180) AS fair_180,
           min(c.consensus_line) FILTER (WHERE c.minutes_before = 0) AS line_0,
           min(c.consensus_line) FILTER (WHERE c.minutes_before = 15) AS line_15,
           min(c.consensus_line) FILTER (WHERE c.minutes_before = 60) AS line_60,
           min(c.consensus_line) FILTER (WHERE c.minutes_before = 180) AS line_180,
           min(c.dispersion_sd) FILTER (WHERE c.minutes_before = 0) AS dispersion_sd,
           min(c.dispersion_range) FILTER (WHERE c.minutes_before = 0) AS dispersion_range,
           min(c.best_line_overround) FILTER (WHERE c.minutes_before = 0) AS best_line_overround,
           bool_or(c.arbitrage) FILTER (WHERE c.minutes_before = 0) AS arbitrage,
           min(c.sharp_fair_a) FILTER (WHERE c.minutes_before = 0) AS sharp_fair_a,
           min(c.soft_fair_a) FILTER (WHERE c.minutes_before = 0) AS soft_fair_a
      FROM market_consensus c
     WHERE c.game_id BETWEEN p_lo AND p_hi
     GROUP BY c.game_id, c.market
  ),
  steam AS (
    SELECT s.game_id, s.market,
           count(*) FILTER (WHERE s.side IN ('home', 'over')) AS steam_a,
           count(*) FILTER (WHERE s.side IN ('away', 'under')) AS steam_b
      FROM steam_moves s
     WHERE s.game_id BETWEEN p_lo AND p_hi
     GROUP BY s.game_id, s.market
  )
  SELECT b.game_id, b.market, b.n_books, b.n_snapshots,
         b.open_fair_a, c.fair_0, c.fair_0 - b.open_fair_a,
         b.open_line, c.line_0, c.line_0 - b.open_line,
         b.volatility, b.line_volatility, b.momentum,
         c.fair_0 - c.fair_15, c.fair_0 - c.fair_60, c.fair_0 - c.fair_180,
         c.line_0 - c.line_15, c.line_0 - c.line_60, c.line_0 - c.line_180,
         b.books_moved_15m, b.books_moved_1h, b.books_moved_3h,
         c.dispersion_sd, c.dispersion_range, c.best_line_overround, c.arbitrage, b.mean_hold,
         c.sharp_fair_a, c.soft_fair_a, c.soft_fair_a - c.sharp_fair_a, b.sharp_line,
         b.sharp_move, b.soft_move, b.sharp_line_move, b.soft_line_move,
         CASE WHEN b.market = 'moneyline' AND b.sharp_move IS NOT NULL AND b.soft_move IS NOT NULL
              THEN abs(b.sharp_move) >= v_set.move_min AND b.sharp_move * b.soft_move < 0
              WHEN b.market <> 'moneyline' AND b.sharp_line_move IS NOT NULL AND b.soft_line_move IS NOT NULL
              THEN abs(b.sharp_line_move) >= v_set.line_move_min AND b.sharp_line_move * b.soft_line_move < 0
         END,
         coalesce(s.steam_a, 0), coalesce(s.steam_b, 0)
    FROM books b
    JOIN consensus c ON c.game_id = b.game_id AND c.market = b.market
    LEFT JOIN steam s ON s.game_id = b.game_id AND s.market = b.market;

  INSERT INTO game_features (
    game_id, external_game_id, game_start, data_quality_score, market_quality_score,
    has_pregame, live_snapshots, n_books,
    ml_n_books, ml_fair_home, ml_fair_move, ml_volatility, ml_momentum,
    ml_late_move_15m, ml_late_move_1h, ml_late_move_3h, ml_books_moved_15m, ml_books_moved_1h, ml_books_moved_3h,
    ml_dispersion_sd, ml_dispersion_range, ml_best_line_overround, ml_arbitrage, ml_mean_hold,
    ml_sharp_fair_home, ml_soft_sharp_gap, ml_rlm, ml_steam_home, ml_steam_away,
    sp_n_books, sp_line, sp_line_move, sp_fair_home, sp_fair_move, sp_volatility, sp_line_volatility, sp_momentum,
    sp_late_line_move_15m, sp_late_line_move_1h, sp_late_line_move_3h, sp_books_moved_15m, sp_books_moved_1h, sp_books_moved_3h,
    sp_dispersion_sd, sp_best_line_overround, sp_arbitrage, sp_mean_hold, sp_sharp_line, sp_rlm, sp_steam_home, sp_steam_away,
    tot_n_books, tot_line, tot_line_move, tot_fair_over, tot_fair_move, tot_volatility, tot_line_volatility, tot_momentum,
    tot_late_line_move_15m, tot_late_line_move_1h, tot_late_line_move_3h, tot_books_moved_15m, tot_books_moved_1h, tot_books_moved_3h,
    tot_dispersion_sd, tot_best_line_overround, tot_arbitrage, tot_mean_hold, tot_sharp_line, tot_rlm, tot_steam_over, tot_steam_under)
  WITH live AS (
    SELECT x.game_id, count(*) AS n
      FROM (
        SELECT m.game_id FROM staging.moneylines m JOIN staging.games g ON g.id = m.game_id
         WHERE m.game_id BETWEEN p_lo AND p_hi AND (m.is_live OR m.captured_at >= g.game_start)
        UNION ALL
        SELECT s.game_id FROM staging.spreads s JOIN staging.games g ON g.id = s.game_id
         WHERE s.game_id BETWEEN p_lo AND p_hi AND (s.is_live OR s.captured_at >= g.game_start)
        UNION ALL
        SELECT t.game_id FROM staging.totals t JOIN staging.games g ON g.id = t.game_id
         WHERE t.game_id BETWEEN p_lo AND p_hi AND (t.is_live OR t.captured_at >= g.game_start)
      ) AS x
     GROUP BY x.game_id
  ),
  snaps AS (
    SELECT ms.game_id, count(DISTINCT ms.sportsbook) AS n_books, round(avg(ms.data_quality_score), 2) AS quality
      FROM market_snapshots ms
     WHERE ms.game_id BETWEEN p_lo AND p_hi
     GROUP BY ms.game_id
  ),
  gm AS (
    SELECT * FROM game_market_features WHERE game_id BETWEEN p_lo AND p_hi
  )
  SELECT g.id, g.external_game_id, g.game_start, g.data_quality_score, sn.quality,
         sn.game_id IS NOT NULL, coalesce(lv.n, 0), coalesce(sn.n_books, 0),
         coalesce(ml.n_books, 0), ml.close_fair_a, ml.fair_move, ml.volatility, ml.momentum,
         ml.late_move_15m, ml.late_move_1h, ml.late_move_3h, ml.books_moved_15m, ml.books_moved_1h, ml.books_moved_3h,
         ml.dispersion_sd, ml.dispersion_range, ml.best_line_overround, ml.arbitrage, ml.mean_hold,
         ml.sharp_fair_a, ml.soft_sharp_gap, ml.rlm, ml.steam_a, ml.steam_b,
         coalesce(sp.n_books, 0), sp.close_line, sp.line_move, sp.close_fair_a, sp.fair_move,
         sp.volatility, sp.line_volatility, sp.momentum,
         sp.late_line_move_15m, sp.late_line_move_1h, sp.late_line_move_3h, sp.books_moved_15m, sp.books_moved_1h, sp.books_moved_3h,
         sp.dispersion_sd, sp.best_line_overround, sp.arbitrage, sp.mean_hold, sp.sharp_line, sp.rlm, sp.steam_a, sp.steam_b,
         coalesce(tot.n_books, 0), tot.close_line, tot.line_move, tot.close_fair_a, tot.fair_move,
         tot.volatility, tot.line_volatility, tot.momentum,
         tot.late_line_move_15m, tot.late_line_move_1h, tot.late_line_move_3h, tot.books_moved_15m, tot.books_moved_1h, tot.books_moved_3h,
         tot.dispersion_sd, tot.best_line_overround, tot.arbitrage, tot.mean_hold, tot.sharp_line, tot.rlm, tot.steam_a, tot.steam_b
    FROM staging.games g
    LEFT JOIN live lv ON lv.game_id = g.id
    LEFT JOIN snaps sn ON sn.game_id = g.id
    LEFT JOIN gm ml ON ml.game_id = g.id AND ml.market = 'moneyline'
    LEFT JOIN gm sp ON sp.game_id = g.id AND sp.market = 'spread'
    LEFT JOIN gm tot ON tot.game_id = g.id AND tot.market = 'total'
   WHERE g.id BETWEEN p_lo AND p_hi;
  GET DIAGNOSTICS p_games = ROW_COUNT;
END
$$;
