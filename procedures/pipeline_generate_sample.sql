-- `pgphase generate`: appends p_rows deterministic sample rows to raw.games, raw.moneylines,
-- raw.spreads and raw.totals together (set-based, generate_series; no client loop), a share
-- p_bad_ratio of them with a defect of every kind staging rejects, and records the planted
-- steam moves in raw.generator_steam_truth. The same (p_rows, p_seed, p_bad_ratio) on empty
-- tables gives the same rows, ids included: ids are the current max id + 1 + row number, and
-- each table's sequence is moved past them. How the rows are split: pipeline.sample_plan; the
-- rows themselves: pipeline.sample_games and pipeline.sample_snapshots; the model is described
-- in docs/staging.md. Returns the number of rows it added to each table.
CREATE OR REPLACE PROCEDURE pipeline.generate_sample (
  p_rows bigint,
  p_seed bigint,
  p_bad_ratio double precision DEFAULT 0.08,
  INOUT games bigint DEFAULT NULL,
  INOUT moneylines bigint DEFAULT NULL,
  INOUT spreads bigint DEFAULT NULL,
  INOUT totals bigint DEFAULT NULL
) LANGUAGE plpgsql AS $$
DECLARE
  v_plan record;
  v_base bigint;
BEGIN
  IF p_rows IS NULL OR p_rows < 1 OR p_seed IS NULL OR p_bad_ratio IS NULL OR p_bad_ratio < 0 OR p_bad_ratio > 1 THEN
    RAISE EXCEPTION 'pipeline.generate_sample: rows must be >= 1, seed not null, bad ratio within [0, 1] (got %, %, %)',
      p_rows, p_seed, p_bad_ratio
      USING ERRCODE = '22023', HINT = 'pgphase generate --rows 23400 --seed 1 --bad-ratio 0.08';
  END IF;
  LOCK TABLE raw.games, raw.moneylines, raw.spreads, raw.totals IN EXCLUSIVE MODE;
  games := 0;
  moneylines := 0;
  spreads := 0;
  totals := 0;

  FOR v_plan IN SELECT * FROM pipeline.sample_plan(p_rows, p_seed, p_bad_ratio) WHERE row_count > 0 ORDER BY market LOOP
    EXECUTE format('SELECT coalesce(max(id), 0) FROM raw.%I', v_plan.source) INTO v_base;
    CASE v_plan.source
      WHEN 'games' THEN
        INSERT INTO raw.games (id, external_game_id, home_team, away_team, game_start, ingested_at)
        SELECT v_base + g.i + 1, g.external_game_id, g.home_team, g.away_team, g.game_start, g.ingested_at
          FROM pipeline.sample_games(p_seed, v_plan.row_count, p_bad_ratio) AS g;
        games := v_plan.row_count;
      WHEN 'moneylines' THEN
        INSERT INTO raw.moneylines (id, external_game_id, sportsbook, home_odds, away_odds, captured_at, ingested_at)
        SELECT v_base + s.j + 1, s.external_game_id, s.sportsbook, s.odds_a, s.odds_b, s.captured_at, s.ingested_at
          FROM pipeline.sample_snapshots(p_seed, 1, v_plan.row_count, v_plan.games, v_plan.rounds_pre, v_plan.rounds_live,
                                         p_bad_ratio) AS s;
        moneylines := v_plan.row_count;
      WHEN 'spreads' THEN
        INSERT INTO raw.spreads (id, external_game_id, sportsbook, home_line, home_odds, away_line, away_odds, captured_at,
                                 ingested_at)
        SELECT v_base + s.j + 1, s.external_game_id, s.sportsbook, s.line_a, s.odds_a, s.line_b, s.odds_b, s.captured_at,
               s.ingested_at
          FROM pipeline.sample_snapshots(p_seed, 2, v_plan.row_count, v_plan.games, v_plan.rounds_pre, v_plan.rounds_live,
                                         p_bad_ratio) AS s;
        spreads := v_plan.row_count;
      ELSE
        INSERT INTO raw.totals (id, external_game_id, sportsbook, total_line, over_odds, under_odds, captured_at, ingested_at)
        SELECT v_base + s.j + 1, s.external_game_id, s.sportsbook, s.line_a, s.odds_a, s.odds_b, s.captured_at, s.ingested_at
          FROM pipeline.sample_snapshots(p_seed, 3, v_plan.row_count, v_plan.games, v_plan.rounds_pre, v_plan.rounds_live,
                                         p_bad_ratio) AS s;
        totals := v_plan.row_count;
    END CASE;
    PERFORM setval(v_seq, greatest(v_base + v_plan.row_count, coalesce(pg_sequence_last_value(v_seq), 0)))
       FROM CAST(pg_get_serial_sequence(format('raw.%I', v_plan.source), 'id') AS regclass) AS v_seq;

    -- The planted steam moves: per steamed game, the books that move at its steam round.
    IF v_plan.market > 0 AND v_plan.rounds_pre >= 2 THEN
      INSERT INTO raw.generator_steam_truth (external_game_id, market, side, planted_at, window_end, books, fair_move,
                                             line_move, seed)
      SELECT g.external_game_id,
             (ARRAY['moneyline', 'spread', 'total'])[v_plan.market],
             CASE WHEN v_plan.market = 3 THEN CASE WHEN g.steam_over > 0 THEN 'over' ELSE 'under' END
                  WHEN g.steam_home > 0 THEN 'home' ELSE 'away' END,
             min(c.at), max(c.at),
             array_agg(bk.name ORDER BY b.b),
             CASE WHEN v_plan.market = 3 THEN 0.025 ELSE 0.05 END,
             CASE WHEN v_plan.market = 3 THEN 0.5 ELSE 0 END,
             p_seed
        FROM generate_series(0, v_plan.games - 1) AS n
       CROSS JOIN LATERAL pipeline.sample_game(p_seed, n) AS g
       CROSS JOIN generate_series(0, 11) AS b (b)
       CROSS JOIN LATERAL (SELECT (ARRAY['pinnacle', 'circa', 'draftkings', 'fanduel', 'betmgm', 'caesars', 'bet365',
                                         'pointsbet', 'betrivers', 'wynnbet', 'unibet', 'barstool'])[b.b + 1] AS name) AS bk
       CROSS JOIN LATERAL (SELECT pipeline.sample_captured_at(p_seed, v_plan.market, n, b.b,
                                    1 + floor(g.steam_at * (v_plan.rounds_pre - 1))::bigint, v_plan.rounds_pre,
                                    v_plan.rounds_live, g.game_start) AS at) AS c
       WHERE g.steam
         AND (b.b <= 2 OR pipeline.sample_u(p_seed, n * 16 + b.b, 24) < 0.4)
       GROUP BY g.external_game_id, g.steam_over, g.steam_home
          ON CONFLICT (external_game_id, market) DO NOTHING;
    END IF;
  END LOOP;
END
$$;
