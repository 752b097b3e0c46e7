-- Curated step 1 of 5: prices every pre-game snapshot of the games in [p_lo, p_hi] into
-- market_snapshots (one statement over the three staging market tables).
-- Pre-game: not is_live and captured before game_start. Snapshots whose odds are not American odds
-- (|odds| < 100) are skipped; of two snapshots of one (game, market, book, captured_at) the later
-- raw row wins (by raw id: staging ids depend on the order staging ran its ranges in). Every price depends only on the (odds_a, odds_b) pair, so prices are computed
-- once per distinct pair (hundreds per range) and joined back: the power method's Newton solve runs
-- per pair, not per row (implied and priced are MATERIALIZED: the formula functions see plain
-- columns, which lets the planner inline the LANGUAGE sql ones, and run once per pair).
-- The caller deletes the range's rows first (curated.build_features).
CREATE OR REPLACE PROCEDURE curated.build_snapshots (p_lo bigint, p_hi bigint) LANGUAGE plpgsql AS $$
DECLARE
  v_method constant text := (SELECT fair_method FROM curated.settings);
BEGIN
  INSERT INTO market_snapshots (
    game_id, market, sportsbook, captured_at, source_id, game_start, minutes_before, line, odds_a, odds_b,
    implied_a, implied_b, decimal_a, decimal_b, overround, hold,
    fair_mult_a, fair_add_a, fair_power_a, power_k, fair_shin_a, shin_z, fair_a,
    fair_move, line_move, data_quality_score)
  WITH src AS (
    SELECT 'moneyline' AS market, m.source_raw_id AS source_id, m.game_id, m.sportsbook, m.captured_at,
           NULL::numeric(4, 1) AS line, m.home_odds AS odds_a, m.away_odds AS odds_b, m.data_quality_score, g.game_start
      FROM staging.moneylines m
      JOIN staging.games g ON g.id = m.game_id
     WHERE m.game_id BETWEEN p_lo AND p_hi AND NOT m.is_live AND m.captured_at < g.game_start
    UNION ALL
    SELECT 'spread', s.source_raw_id, s.game_id, s.sportsbook, s.captured_at,
           s.home_line, s.home_odds, s.away_odds, s.data_quality_score, g.game_start
      FROM staging.spreads s
      JOIN staging.games g ON g.id = s.game_id
     WHERE s.game_id BETWEEN p_lo AND p_hi AND NOT s.is_live AND s.captured_at < g.game_start
    UNION ALL
    SELECT 'total', t.source_raw_id, t.game_id, t.sportsbook, t.captured_at,
           t.total_line, t.over_odds, t.under_odds, t.data_quality_score, g.game_start
      FROM staging.totals t
      JOIN staging.games g ON g.id = t.game_id
     WHERE t.game_id BETWEEN p_lo AND p_hi AND NOT t.is_live AND t.captured_at < g.game_start
  ),
  snap AS (
    SELECT DISTINCT ON (game_id, market, sportsbook, captured_at) *
      FROM src
     WHERE (odds_a >= 100 OR odds_a <= -100) AND (odds_b >= 100 OR odds_b <= -100)
     ORDER BY game_id, market, sportsbook, captured_at, source_id DESC
  ),
  implied AS MATERIALIZED (
    SELECT odds_a, odds_b,
           curated.implied_probability(odds_a) AS pa,
           curated.implied_probability(odds_b) AS pb
      FROM (SELECT DISTINCT odds_a, odds_b FROM snap) AS pairs
  ),
  priced AS MATERIALIZED (
    SELECT i.*,
           curated.decimal_odds(i.odds_a) AS decimal_a,
           curated.decimal_odds(i.odds_b) AS decimal_b,
           curated.overround(i.pa, i.pb) AS overround,
           curated.hold(i.pa, i.pb) AS hold,
           curated.fair_multiplicative(i.pa, i.pb) AS fair_mult_a,
           curated.fair_additive(i.pa, i.pb) AS fair_add_a,
           i.pa ^ k.power_k AS fair_power_a,
           k.power_k,
           curated.fair_shin(i.pa, i.pb) AS fair_shin_a,
           curated.shin_z(i.pa, i.pb) AS shin_z,
           CASE v_method
             WHEN 'multiplicative' THEN curated.fair_multiplicative(i.pa, i.pb)
             WHEN 'additive' THEN curated.fair_additive(i.pa, i.pb)
             WHEN 'power' THEN i.pa ^ k.power_k
             WHEN 'shin' THEN curated.fair_shin(i.pa, i.pb)
           END AS fair_a
      FROM implied i
     CROSS JOIN LATERAL (SELECT curated.power_exponent(i.pa, i.pb) AS power_k OFFSET 0) AS k
  )
  -- the window's sort also inserts the rows in key order (game, market, book, captured_at)
  SELECT s.game_id, s.market, s.sportsbook, s.captured_at, s.source_id, s.game_start,
         extract(epoch FROM s.game_start - s.captured_at)::double precision / 60,
         s.line, s.odds_a, s.odds_b,
         p.pa, p.pb, p.decimal_a, p.decimal_b, p.overround, p.hold,
         p.fair_mult_a, p.fair_add_a, p.fair_power_a, p.power_k, p.fair_shin_a, p.shin_z, p.fair_a,
         p.fair_a - lag(p.fair_a) OVER w,
         s.line - lag(s.line) OVER w,
         s.data_quality_score
    FROM snap s
    JOIN priced p ON p.odds_a = s.odds_a AND p.odds_b = s.odds_b
  WINDOW w AS (PARTITION BY s.game_id, s.market, s.sportsbook ORDER BY s.captured_at);
END
$$;
