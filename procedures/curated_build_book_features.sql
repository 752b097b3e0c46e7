-- Curated step 2 of 5: one row per (game, market, book) in book_market_features, from
-- the range's market_snapshots in one pass (one window sort, one GROUP BY).
-- A book's price is a step function: each snapshot is in force from its captured_at until the
-- book's next snapshot, the last one until game start. "As of t" is the snapshot in force at t.
-- Volatility and momentum sample that step function on the fixed grid t_j = start - j * grid_step
-- (j = 0, 1, ...), skipping grid points before the book's first snapshot; a snapshot in force on
-- [c, c_next) covers grid indexes j_lo..j_hi with j_hi = floor((start - c) / step) and
-- j_lo = floor((start - c_next) / step) + 1 (0 for the last), so the grid sums below are closed
-- forms (sum of j, sum of j^2) per snapshot and the grid is never materialised.
-- Values are centred on the closing value before summing (exact zero variance for a flat book).
-- Determinism: a book's float sums run over its rows in the window's order (game, market, book,
-- captured_at: a unique key), whatever the plan or partitioning; cross-book float aggregates are
-- ORDER BY sportsbook.
CREATE OR REPLACE PROCEDURE curated.build_book_features (p_lo bigint, p_hi bigint) LANGUAGE plpgsql AS $$
DECLARE
  v_set curated.settings%ROWTYPE;
  v_step double precision;
  v_n_vol bigint;
  v_n_mom bigint;
BEGIN
  SELECT * INTO STRICT v_set FROM curated.settings;
  v_step := date_part('epoch', v_set.grid_step);
  v_n_vol := floor(date_part('epoch', v_set.volatility_horizon) / v_step);
  v_n_mom := floor(date_part('epoch', v_set.momentum_window) / v_step);

  INSERT INTO book_market_features (
    game_id, market, sportsbook, tier, n_snapshots, opened_at, closed_at,
    open_odds_a, open_odds_b, close_odds_a, close_odds_b, open_line, close_line, line_move,
    open_fair_a, close_fair_a, fair_move, close_overround, close_hold, mean_hold,
    volatility, line_volatility, momentum,
    fair_a_15m, fair_a_1h, fair_a_3h, fair_a_24h, line_15m, line_1h, line_3h, line_24h,
    odds_a_15m, odds_b_15m, odds_a_1h, odds_b_1h, odds_a_3h, odds_b_3h, odds_a_24h, odds_b_24h,
    late_move_15m, late_move_1h, late_move_3h, late_line_move_15m, late_line_move_1h, late_line_move_3h,
    consensus_dev, consensus_line_dev, sharp_gap, sharp_line_gap,
    clv_open_a, clv_open_b, clv_close_a, clv_close_b)
  WITH series AS (
    SELECT ms.game_id, ms.market, ms.sportsbook, ms.captured_at, ms.line, ms.odds_a, ms.odds_b,
           ms.fair_a, ms.overround, ms.hold, ms.game_start,
           row_number() OVER w AS rn,
           lead(ms.captured_at) OVER w AS next_at,
           ms.fair_a - last_value(ms.fair_a) OVER w AS y,
           (ms.line - last_value(ms.line) OVER w)::double precision AS yl,
           floor(date_part('epoch', ms.game_start - ms.captured_at) / v_step)::bigint AS j_hi
      FROM market_snapshots ms
     WHERE ms.game_id BETWEEN p_lo AND p_hi
    WINDOW w AS (PARTITION BY ms.game_id, ms.market, ms.sportsbook ORDER BY ms.captured_at
                 ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
  ),
  grid AS (
    SELECT s.*,
           CASE WHEN s.next_at IS NULL THEN 0
                ELSE floor(date_part('epoch', s.game_start - s.next_at) / v_step)::bigint + 1 END AS j_lo,
           -- in force at the checkpoints 15 min, 1 h, 3 h and 24 h before start
           s.captured_at <= s.game_start - interval '15 minutes'
             AND (s.next_at IS NULL OR s.next_at > s.game_start - interval '15 minutes') AS at15,
           s.captured_at <= s.game_start - interval '1 hour'
             AND (s.next_at IS NULL OR s.next_at > s.game_start - interval '1 hour') AS at60,
           s.captured_at <= s.game_start - interval '3 hours'
             AND (s.next_at IS NULL OR s.next_at > s.game_start - interval '3 hours') AS at180,
           s.captured_at <= s.game_start - interval '24 hours'
             AND (s.next_at IS NULL OR s.next_at > s.game_start - interval '24 hours') AS at1440
      FROM series s
    OFFSET 0 -- a fence: each expression above is evaluated once per row, not once per reference
  ),
  sums AS (
    SELECT g.*, c.n_vol, c.n_mom,
           -- sum of j and of j^2 over the momentum window's grid points this snapshot covers
           CASE WHEN c.n_mom > 0 THEN (g.j_lo + c.hi_mom) * c.n_mom / 2 ELSE 0 END AS sj,
           CASE WHEN c.n_mom > 0
                THEN (c.hi_mom * (c.hi_mom + 1) * (2 * c.hi_mom + 1) - (g.j_lo - 1) * g.j_lo * (2 * g.j_lo - 1)) / 6
                ELSE 0 END AS sjj
      FROM grid g
     CROSS JOIN LATERAL (
       SELECT greatest(least(g.j_hi, v_n_vol) - g.j_lo + 1, 0) AS n_vol,
              greatest(least(g.j_hi, v_n_mom) - g.j_lo + 1, 0) AS n_mom,
              least(g.j_hi, v_n_mom) AS hi_mom
     ) AS c
  ),
  book AS (
    SELECT s.game_id, s.market, s.sportsbook,
           count(*) AS n_snapshots, min(s.captured_at) AS opened_at, max(s.captured_at) AS closed_at,
           min(s.odds_a) FILTER (WHERE s.rn = 1) AS open_odds_a,
           min(s.odds_b) FILTER (WHERE s.rn = 1) AS open_odds_b,
           min(s.odds_a) FILTER (WHERE s.next_at IS NULL) AS close_odds_a,
           min(s.odds_b) FILTER (WHERE s.next_at IS NULL) AS close_odds_b,
           min(s.line) FILTER (WHERE s.rn = 1) AS open_line,
           min(s.line) FILTER (WHERE s.next_at IS NULL) AS close_line,
           min(s.fair_a) FILTER (WHERE s.rn = 1) AS open_fair_a,
           min(s.fair_a) FILTER (WHERE s.next_at IS NULL) AS close_fair_a,
           min(s.overround) FILTER (WHERE s.next_at IS NULL) AS close_overround,
           min(s.hold) FILTER (WHERE s.next_at IS NULL) AS close_hold,
           avg(s.hold) AS mean_hold,
           sum(s.n_vol) FILTER (WHERE s.y IS NOT NULL) AS nv,
           sum(s.n_vol * s.y) AS sy,
           sum(s.n_vol * s.y * s.y) AS syy,
           sum(s.n_vol) FILTER (WHERE s.yl IS NOT NULL) AS nl,
           sum(s.n_vol * s.yl) AS sl,
           sum(s.n_vol * s.yl * s.yl) AS sll,
           sum(s.n_mom) FILTER (WHERE s.y IS NOT NULL) AS nm,
           sum(s.sj) FILTER (WHERE s.y IS NOT NULL) AS sj,
           sum(s.sjj) FILTER (WHERE s.y IS NOT NULL) AS sjj,
           sum(s.n_mom * s.y) AS smy,
           sum(s.sj * s.y) AS sjy,
           min(s.fair_a) FILTER (WHERE s.at15) AS fair_a_15m,
           min(s.fair_a) FILTER (WHERE s.at60) AS fair_a_1h,
           min(s.fair_a) FILTER (WHERE s.at180) AS fair_a_3h,
           min(s.fair_a) FILTER (WHERE s.at1440) AS fair_a_24h,
           min(s.line) FILTER (WHERE s.at15) AS line_15m,
           min(s.line) FILTER (WHERE s.at60) AS line_1h,
           min(s.line) FILTER (WHERE s.at180) AS line_3h,
           min(s.line) FILTER (WHERE s.at1440) AS line_24h,
           min(s.odds_a) FILTER (WHERE s.at15) AS odds_a_15m,
           min(s.odds_b) FILTER (WHERE s.at15) AS odds_b_15m,
           min(s.odds_a) FILTER (WHERE s.at60) AS odds_a_1h,
           min(s.odds_b) FILTER (WHERE s.at60) AS odds_b_1h,
           min(s.odds_a) FILTER (WHERE s.at180) AS odds_a_3h,
           min(s.odds_b) FILTER (WHERE s.at180) AS odds_b_3h,
           min(s.odds_a) FILTER (WHERE s.at1440) AS odds_a_24h,
           min(s.odds_b) FILTER (WHERE s.at1440) AS odds_b_24h
      FROM sums s
     GROUP BY s.game_id, s.market, s.sportsbook
  ),
  tiered AS (
    SELECT b.*, coalesce(t.tier, 'soft') AS tier
      FROM book b
      LEFT JOIN curated.sportsbook_tiers t ON t.sportsbook = b.sportsbook
  ),
  reference AS (
    SELECT game_id, market,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY close_fair_a) AS consensus_fair_a,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY close_line) AS consensus_line,
           avg(close_fair_a ORDER BY sportsbook) FILTER (WHERE tier = 'sharp') AS sharp_fair_a,
           avg(close_line) FILTER (WHERE tier = 'sharp') AS sharp_line
      FROM tiered
     GROUP BY game_id, market
  )
  SELECT b.game_id, b.market, b.sportsbook, b.tier, b.n_snapshots, b.opened_at, b.closed_at,
         b.open_odds_a, b.open_odds_b, b.close_odds_a, b.close_odds_b,
         b.open_line, b.close_line, b.close_line - b.open_line,
         b.open_fair_a, b.close_fair_a, b.close_fair_a - b.open_fair_a,
         b.close_overround, b.close_hold, b.mean_hold,
         CASE WHEN b.nv >= 2 THEN sqrt(greatest((b.syy - b.sy * b.sy / b.nv) / (b.nv - 1), 0)) END,
         CASE WHEN b.nl >= 2 THEN sqrt(greatest((b.sll - b.sl * b.sl / b.nl) / (b.nl - 1), 0)) END,
         -- OLS slope of y on x = -j * step (hours): minus the slope on j, divided by the step
         -- (numerator written negated, so that a flat book gives +0, not -0)
         CASE WHEN b.nm >= 2 AND b.nm * b.sjj - b.sj * b.sj > 0
              THEN (b.sj * b.smy - b.nm * b.sjy) / (b.nm * b.sjj - b.sj * b.sj) / (v_step / 3600)
         END,
         b.fair_a_15m, b.fair_a_1h, b.fair_a_3h, b.fair_a_24h, b.line_15m, b.line_1h, b.line_3h, b.line_24h,
         b.odds_a_15m, b.odds_b_15m, b.odds_a_1h, b.odds_b_1h, b.odds_a_3h, b.odds_b_3h, b.odds_a_24h, b.odds_b_24h,
         b.close_fair_a - b.fair_a_15m, b.close_fair_a - b.fair_a_1h, b.close_fair_a - b.fair_a_3h,
         b.close_line - b.line_15m, b.close_line - b.line_1h, b.close_line - b.line_3h,
         b.close_fair_a - r.consensus_fair_a,
         b.close_line - r.consensus_line,
         b.close_fair_a - r.sharp_fair_a,
         (b.close_line - r.sharp_line)::double precision,
         CASE WHEN b.open_line IS NOT DISTINCT FROM r.sharp_line
              THEN curated.decimal_odds(b.open_odds_a) * r.sharp_fair_a - 1 END,
         CASE WHEN b.open_line IS NOT DISTINCT FROM r.sharp_line
              THEN curated.decimal_odds(b.open_odds_b) * (1 - r.sharp_fair_a) - 1 END,
         CASE WHEN b.close_line IS NOT DISTINCT FROM r.sharp_line
              THEN curated.decimal_odds(b.close_odds_a) * r.sharp_fair_a - 1 END,
         CASE WHEN b.close_line IS NOT DISTINCT FROM r.sharp_line
              THEN curated.decimal_odds(b.close_odds_b) * (1 - r.sharp_fair_a) - 1 END
    FROM tiered b
    JOIN reference r ON r.game_id = b.game_id AND r.market = b.market;
END
$$;
