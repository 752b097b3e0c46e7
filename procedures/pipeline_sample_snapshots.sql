-- The raw rows of one market table for pipeline.generate_sample, as text exactly as a scraper
-- would store them: p_rows rows for p_market (1 moneylines, 2 spreads, 3 totals) over p_games
-- games, 12 books and p_pre + p_live rounds. Row j (returned, for the caller to
-- number ids by) is round j / (games * 12), game (j / 12) % games, book j % 12: rounds are
-- interleaved as a scraper appends them, so a game's rows spread over the whole id range.
-- Every value is a pure function of (seed, j) through pipeline.sample_u. The price model, the steam moves and the bad-row kinds are described in
-- docs/staging.md; line_b is NULL for totals (one line). defect is the reason code staging
-- must give the row (NULL: it must be staged), for tests.
-- A bad row (share p_bad_ratio) is a clean row with one defect of a kind drawn uniformly from
-- the kinds staging rejects in that table; a duplicate_snapshot is an exact copy of the same
-- game and book's previous round (when that row is itself clean). The rows around a planted
-- steam move (its set books, the rounds before and at the move) are never made bad.
CREATE OR REPLACE FUNCTION pipeline.sample_snapshots (
  p_seed bigint,
  p_market integer,
  p_rows bigint,
  p_games bigint,
  p_pre bigint,
  p_live bigint,
  p_bad_ratio double precision
) RETURNS TABLE (
  j bigint,
  external_game_id text,
  sportsbook text,
  line_a text,
  odds_a text,
  line_b text,
  odds_b text,
  captured_at text,
  ingested_at timestamptz,
  defect text
) LANGUAGE sql STABLE PARALLEL SAFE AS $$
WITH books (b, display, variant, alias, margin, step) AS (
  VALUES (0, 'Pinnacle', ' PINNACLE ', 'Pinnacle Sports', 0.020, 1),
         (1, 'Circa Sports', 'circa', 'CIRCA SPORTS', 0.022, 1),
         (2, 'DraftKings', 'draft kings', 'DK', 0.045, 5),
         (3, 'FanDuel', ' fanduel', 'FanDuel Sportsbook', 0.044, 5),
         (4, 'BetMGM', 'BETMGM ', 'MGM', 0.050, 5),
         (5, 'Caesars', 'caesars', 'William Hill', 0.048, 5),
         (6, 'bet365', 'Bet 365', 'B365', 0.046, 5),
         (7, 'PointsBet', 'points bet', 'PointsBet US', 0.050, 5),
         (8, 'BetRivers', 'Bet-Rivers', 'SugarHouse', 0.052, 5),
         (9, 'WynnBET', 'wynnbet', 'Wynn', 0.055, 5),
         (10, 'Unibet', 'UNIBET', 'Unibet US', 0.050, 5),
         (11, 'Barstool', 'barstool ', 'Barstool Sportsbook', 0.055, 5)
), games AS MATERIALIZED (
  SELECT n, g.*,
         p_pre >= 2 AND g.steam AS steamed,
         1 + floor(g.steam_at * greatest(p_pre - 1, 1))::bigint AS steam_round
    FROM generate_series(0, p_games - 1) AS n,
         LATERAL pipeline.sample_game(p_seed, n) AS g
), kinds AS (
  SELECT ARRAY['missing_field', 'invalid_odds', 'odds_out_of_range', 'overround_negative', 'overround_too_high',
               'invalid_timestamp', 'timestamp_out_of_range', 'unknown_game', 'invalid_sportsbook', 'duplicate_snapshot']
         || CASE p_market WHEN 2 THEN ARRAY['invalid_line', 'line_not_half_step', 'line_out_of_range', 'line_mismatch']
                          WHEN 3 THEN ARRAY['invalid_line', 'line_not_half_step', 'line_out_of_range']
                          ELSE ARRAY[]::text[] END AS k
), placed AS (
  SELECT j, j / (p_games * 12) AS s, (j / 12) % p_games AS n, (j % 12)::integer AS b
    FROM generate_series(0, p_rows - 1) AS j
), judged AS (
  SELECT p.*, k.*, kinds.k AS kind_list, g.external_game_id, g.game_start, g.home_probability, g.total_runs, g.steam_home, g.steam_over,
         g.steam_round,
         g.steamed AND (p.b <= 2 OR pipeline.sample_u(p_seed, p.n * 16 + p.b, 24) < 0.4) AS in_steam
    FROM placed p
    JOIN games g USING (n)
   CROSS JOIN kinds
   CROSS JOIN LATERAL (
         SELECT pipeline.sample_u(p_seed, p.j * 4 + p_market, 1) < p_bad_ratio AS bad_draw,
                pipeline.sample_u(p_seed, p.j * 4 + p_market, 2) AS u_kind,
                pipeline.sample_u(p_seed, p.j * 4 + p_market, 3) AS v,
                p.j >= p_games * 12
                  AND pipeline.sample_u(p_seed, (p.j - p_games * 12) * 4 + p_market, 1) >= p_bad_ratio AS src_clean
         OFFSET 0) AS k
  OFFSET 0
), kinded AS (
  SELECT x.*,
         CASE
           WHEN NOT x.bad THEN NULL
           WHEN x.kind0 = 'duplicate_snapshot' AND NOT (x.src_clean OR (x.in_steam AND x.s - 1 IN (x.steam_round - 1, x.steam_round)))
             THEN 'invalid_odds'
           ELSE x.kind0
         END AS kind
    FROM (SELECT jd.*,
                 jd.bad_draw AND NOT (jd.in_steam AND jd.s IN (jd.steam_round - 1, jd.steam_round)) AS bad,
                 jd.kind_list[1 + floor(jd.u_kind * cardinality(jd.kind_list))::integer] AS kind0
            FROM judged jd) AS x
  OFFSET 0
), valued AS (
  -- the clean values of row jv: the row itself, or for a duplicate the previous round's row
  SELECT y.*, bk.display, bk.variant, bk.alias, bk.margin, bk.step,
         pipeline.sample_captured_at(p_seed, p_market, y.n, y.b, y.sv, p_pre, p_live, y.game_start) AS ts,
         least(greatest(y.home_probability
           + least(0.03, 0.004 * (p_pre + p_live) / 8.2)
             * sin(2 * pi() * (pipeline.sample_u(p_seed, y.n, 20) + 1.3 * y.sv / (p_pre + p_live)))
           + 0.002 * (2 * pipeline.sample_u(p_seed, y.jv * 4 + p_market, 5) - 1)
           + CASE WHEN y.in_steam AND y.sv >= y.steam_round THEN 0.05 * y.steam_home ELSE 0 END
           + CASE WHEN y.sv >= p_pre THEN 0.25 * (pipeline.sample_u(p_seed, y.n * 4096 + y.sv, 6) - 0.5) ELSE 0 END,
           0.08), 0.92) AS p,
         round(y.total_runs * 2) / 2
           + CASE WHEN y.in_steam AND y.sv >= y.steam_round THEN 0.5 * y.steam_over ELSE 0 END
           + CASE WHEN y.sv >= p_pre THEN 0.5 * floor(4 * pipeline.sample_u(p_seed, y.n * 4096 + y.sv, 7)) - 0.5 ELSE 0 END
           AS total_line,
         y.total_runs
           + 0.3 * sin(2 * pi() * (pipeline.sample_u(p_seed, y.n, 21) + 1.3 * y.sv / (p_pre + p_live)))
             * least(1, 0.004 * (p_pre + p_live) / 8.2 / 0.03)
           + CASE WHEN y.in_steam AND y.sv >= y.steam_round THEN 0.75 * y.steam_over ELSE 0 END AS runs
    FROM (SELECT kd.*,
                 CASE WHEN kd.kind = 'duplicate_snapshot' THEN kd.j - p_games * 12 ELSE kd.j END AS jv,
                 CASE WHEN kd.kind = 'duplicate_snapshot' THEN kd.s - 1 ELSE kd.s END AS sv
            FROM kinded kd) AS y
    JOIN books bk USING (b)
  OFFSET 0
), priced AS (
  SELECT z.*,
         CASE p_market
           WHEN 1 THEN z.p
           WHEN 2 THEN least(greatest(z.p + CASE WHEN z.home_probability >= 0.5 THEN -0.18 ELSE 0.18 END, 0.1), 0.9)
           ELSE least(greatest(0.5 + 0.1 * (z.runs - z.total_line)
                               + 0.002 * (2 * pipeline.sample_u(p_seed, z.jv * 4 + p_market, 5) - 1), 0.3), 0.7)
         END AS q,
         CASE p_market
           WHEN 2 THEN CASE WHEN z.home_probability >= 0.5 THEN '-1.5' ELSE '+1.5' END
           WHEN 3 THEN to_char(z.total_line, 'FM990.0')
         END AS clean_line_a,
         CASE p_market WHEN 2 THEN CASE WHEN z.home_probability >= 0.5 THEN '+1.5' ELSE '-1.5' END END AS clean_line_b,
         pipeline.sample_u(p_seed, z.jv * 4 + p_market, 8) AS u_plus,
         pipeline.sample_u(p_seed, z.jv * 4 + p_market, 9) AS u_book,
         pipeline.sample_u(p_seed, z.jv * 4 + p_market, 11) AS u_time
    FROM valued z
  OFFSET 0
), clean AS (
  SELECT c.*,
         c.external_game_id AS clean_game,
         CASE WHEN c.u_book < 0.90 THEN c.display WHEN c.u_book < 0.95 THEN c.variant ELSE c.alias END AS clean_book,
         CASE WHEN oa > 0 AND c.u_plus < 0.9 THEN '+' || oa ELSE oa::text END AS clean_odds_a,
         CASE WHEN ob > 0 AND c.u_plus < 0.9 THEN '+' || ob ELSE ob::text END AS clean_odds_b,
         CASE WHEN c.u_time < 0.85 THEN to_char(c.ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
              WHEN c.u_time < 0.95 THEN to_char(c.ts AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS"+00"')
              ELSE to_char(c.ts AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') END AS clean_time
    FROM priced c,
         LATERAL (SELECT pipeline.sample_american_odds(c.q * (1 + c.margin), c.step) AS oa,
                         pipeline.sample_american_odds((1 - c.q) * (1 + c.margin), c.step) AS ob) AS o
  OFFSET 0
)
SELECT w.j,
       CASE
         WHEN w.kind = 'missing_field' AND w.v >= 0.75 THEN NULL
         WHEN w.kind = 'unknown_game' THEN 'MLB-1999-' || lpad((w.j % 10000)::text, 4, '0')
         ELSE w.clean_game
       END,
       CASE
         WHEN w.kind = 'missing_field' AND w.v >= 0.5 AND w.v < 0.75 THEN '   '
         WHEN w.kind = 'invalid_sportsbook' THEN (ARRAY['Draft;Kings', repeat('X', 50), 'Bet' || chr(1) || '365',
             'Pinnacle'' OR ''1''=''1', 'Caesars ' || chr(127968), '<script>'])[1 + floor(w.v * 6)::integer]
         ELSE w.clean_book
       END,
       CASE w.kind
         WHEN 'invalid_line' THEN (ARRAY['abc', '1.5.5', 'NaN', chr(189), '1,5', 'Infinity'])[1 + floor(w.v * 6)::integer]
         WHEN 'line_not_half_step' THEN CASE WHEN p_market = 2 THEN '-1.25' ELSE to_char(w.total_line + 0.25, 'FM990.00') END
         WHEN 'line_out_of_range' THEN CASE WHEN p_market = 2 THEN '-7.5' WHEN w.v < 0.5 THEN '25.5' ELSE '2.5' END
         ELSE w.clean_line_a
       END,
       CASE
         WHEN w.kind = 'missing_field' AND w.v < 0.25 THEN NULL
         WHEN w.kind = 'invalid_odds' THEN (ARRAY['-110.5', 'NaN', 'Infinity', 'abc', chr(65297) || chr(65297) || chr(65296),
             '1e3', '--110', '+-120', chr(1633) || chr(1637) || chr(1632)])[1 + floor(w.v * 9)::integer]
         WHEN w.kind = 'overround_negative' THEN '+120'
         WHEN w.kind = 'overround_too_high' THEN '-250'
         ELSE w.clean_odds_a
       END,
       CASE w.kind
         WHEN 'line_not_half_step' THEN CASE WHEN p_market = 2 THEN '+1.25' END
         WHEN 'line_out_of_range' THEN CASE WHEN p_market = 2 THEN '+7.5' END
         WHEN 'line_mismatch' THEN w.clean_line_a
         ELSE w.clean_line_b
       END,
       CASE w.kind
         WHEN 'odds_out_of_range' THEN (ARRAY['50', '0', '-99', '+99', '99999999999', '+20500', '-100000'])[1 + floor(w.v * 7)::integer]
         WHEN 'overround_negative' THEN '+125'
         WHEN 'overround_too_high' THEN '-240'
         ELSE w.clean_odds_b
       END,
       CASE
         WHEN w.kind = 'missing_field' AND w.v >= 0.25 AND w.v < 0.5 THEN ''
         WHEN w.kind = 'invalid_timestamp' THEN (ARRAY['2024-02-30T10:00:00Z', 'yesterday', '05/01/2024 7:05 PM',
             '2024-05-01T25:61:00Z', 'now', '2024-13-01T00:00:00Z', 'infinity', '2024-05-01T18:00:00+99'])[1 + floor(w.v * 8)::integer]
         WHEN w.kind = 'timestamp_out_of_range' THEN CASE WHEN w.v < 0.5 THEN '1999' ELSE '2099' END || substr(w.clean_time, 5)
         ELSE w.clean_time
       END,
       w.ts + interval '45 seconds',
       w.kind
  FROM clean w
$$;
