-- Curated step 3 of 5: the cross-book market at five checkpoints (close = game start, and 15 min,
-- 1 h, 3 h and 24 h before it) into market_consensus, from the books' as-of prices that
-- step 2 stored in book_market_features. A book counts at a checkpoint when it had a
-- price in force then.
-- Best prices are taken among the books quoting the quote line: the modal line across books
-- (ties to the lower line); for the moneyline, all books. Across different spread or total
-- lines a "best price" would compare different bets. Among books tied at the best price the
-- alphabetically first is named. Cross-book float aggregates are ORDER BY sportsbook, so their
-- summation order (hence every bit) depends neither on the plan nor on the partitioning; the
-- planner sorts the input once for all of them (presorted aggregates).
CREATE OR REPLACE PROCEDURE curated.build_consensus (p_lo bigint, p_hi bigint) LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO market_consensus (
    game_id, market, minutes_before, as_of, n_books, consensus_fair_a, mean_fair_a,
    dispersion_sd, dispersion_range, consensus_line, sharp_fair_a, soft_fair_a,
    quote_line, quote_books, best_odds_a, best_book_a, best_odds_b, best_book_b,
    best_decimal_a, best_decimal_b, best_line_overround, arbitrage)
  WITH quotes AS (
    SELECT q.*
      FROM (
        SELECT b.game_id, b.market, b.sportsbook, b.tier, cp.minutes_before,
               CASE cp.minutes_before WHEN 0 THEN b.close_fair_a WHEN 15 THEN b.fair_a_15m
                 WHEN 60 THEN b.fair_a_1h WHEN 180 THEN b.fair_a_3h ELSE b.fair_a_24h END AS fair_a,
               CASE cp.minutes_before WHEN 0 THEN b.close_line WHEN 15 THEN b.line_15m
                 WHEN 60 THEN b.line_1h WHEN 180 THEN b.line_3h ELSE b.line_24h END AS line,
               CASE cp.minutes_before WHEN 0 THEN b.close_odds_a WHEN 15 THEN b.odds_a_15m
                 WHEN 60 THEN b.odds_a_1h WHEN 180 THEN b.odds_a_3h ELSE b.odds_a_24h END AS odds_a,
               CASE cp.minutes_before WHEN 0 THEN b.close_odds_b WHEN 15 THEN b.odds_b_15m
                 WHEN 60 THEN b.odds_b_1h WHEN 180 THEN b.odds_b_3h ELSE b.odds_b_24h END AS odds_b
          FROM book_market_features b
         CROSS JOIN (VALUES (0), (15), (60), (180), (1440)) AS cp (minutes_before)
         WHERE b.game_id BETWEEN p_lo AND p_hi
      ) AS q
     WHERE q.odds_a IS NOT NULL
  ),
  lines AS (
    SELECT game_id, market, minutes_before, line, count(*) AS n,
           max(curated.decimal_odds(odds_a)) AS best_decimal_a,
           max(curated.decimal_odds(odds_b)) AS best_decimal_b
      FROM quotes
     GROUP BY game_id, market, minutes_before, line
  ),
  quote_line AS (
    SELECT DISTINCT ON (game_id, market, minutes_before) *
      FROM lines
     ORDER BY game_id, market, minutes_before, n DESC, line
  ),
  stats AS (
    SELECT q.game_id, q.market, q.minutes_before,
           count(*) AS n_books,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY q.fair_a) AS consensus_fair_a,
           avg(q.fair_a ORDER BY q.sportsbook) AS mean_fair_a,
           stddev_samp(q.fair_a ORDER BY q.sportsbook) AS dispersion_sd,
           max(q.fair_a) - min(q.fair_a) AS dispersion_range,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY q.line) AS consensus_line,
           avg(q.fair_a ORDER BY q.sportsbook) FILTER (WHERE q.tier = 'sharp') AS sharp_fair_a,
           avg(q.fair_a ORDER BY q.sportsbook) FILTER (WHERE q.tier = 'soft') AS soft_fair_a,
           max(q.odds_a) FILTER (WHERE q.best_a) AS best_odds_a,
           min(q.sportsbook) FILTER (WHERE q.best_a) AS best_book_a,
           max(q.odds_b) FILTER (WHERE q.best_b) AS best_odds_b,
           min(q.sportsbook) FILTER (WHERE q.best_b) AS best_book_b
      FROM (
        SELECT qq.*,
               qq.line IS NOT DISTINCT FROM l.line AND curated.decimal_odds(qq.odds_a) = l.best_decimal_a AS best_a,
               qq.line IS NOT DISTINCT FROM l.line AND curated.decimal_odds(qq.odds_b) = l.best_decimal_b AS best_b
          FROM quotes qq
          JOIN quote_line l ON l.game_id = qq.game_id AND l.market = qq.market AND l.minutes_before = qq.minutes_before
      ) AS q
     GROUP BY q.game_id, q.market, q.minutes_before
  )
  SELECT s.game_id, s.market, s.minutes_before, g.game_start - make_interval(mins => s.minutes_before),
         s.n_books, s.consensus_fair_a, s.mean_fair_a, s.dispersion_sd, s.dispersion_range,
         s.consensus_line, s.sharp_fair_a, s.soft_fair_a,
         l.line, l.n, s.best_odds_a, s.best_book_a, s.best_odds_b, s.best_book_b,
         l.best_decimal_a, l.best_decimal_b, o.overround, o.overround < 0
    FROM stats s
    JOIN quote_line l ON l.game_id = s.game_id AND l.market = s.market AND l.minutes_before = s.minutes_before
    JOIN staging.games g ON g.id = s.game_id
   CROSS JOIN LATERAL (SELECT curated.overround(1 / l.best_decimal_a, 1 / l.best_decimal_b) AS overround) AS o;
END
$$;
