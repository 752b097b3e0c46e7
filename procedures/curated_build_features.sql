-- The curated phase over staging.games ids [p_lo, p_hi]: deletes the range's curated rows, then
-- rebuilds them in five set-based steps (snapshots, book features, consensus, steam, game
-- features), so that recomputing a game replaces its rows. Deterministic: no clock, no randomness,
-- float aggregates ordered, so reruns and any partitioning of the ids give identical rows.
-- Counts for the runner's report:
--   rows_in     staging games in the range;
--   written     games whose game_features row was written (every game of the range: a game
--               without a pre-game snapshot gets a row with has_pregame = false and NULL markets);
--   rejected    0 (no game is refused; bad market rows were quarantined by the staging phase);
--   extras      {} (the generic phase contract, runner/run/phaseCounts.ts).
-- Neither commits nor rolls back: the runner commits each CALL with its ledger update. Calls on
-- disjoint ranges touch disjoint rows and may run concurrently. p_run_id is not stored: curated
-- rows are a function of staging alone (the ledger records which run built which range).
-- Output tables are named without a schema in every curated_build_* procedure: a blue-green run
-- writes into a shadow copy of them (runner/bluegreen/). The runner sets pgphase.output_schema
-- for each call; this procedure points search_path at it for the rest of the transaction
-- (SET LOCAL), and at curated itself when the setting is empty (a call by hand builds in place).
-- Without JIT, also when called by hand (the runner turns it off in each batch's transaction): its
-- statements are short, and on a server with JIT on, compiling them costs more than running them.
CREATE OR REPLACE PROCEDURE curated.build_features (
  p_run_id bigint,
  p_lo bigint,
  p_hi bigint,
  INOUT rows_in bigint DEFAULT NULL,
  INOUT written bigint DEFAULT NULL,
  INOUT rejected bigint DEFAULT NULL,
  INOUT extras jsonb DEFAULT NULL
) LANGUAGE plpgsql
SET
  jit = off AS $$
BEGIN
  PERFORM set_config('search_path', format('%I', coalesce(nullif(current_setting('pgphase.output_schema', true), ''), 'curated')), true);
  IF to_regclass('game_features') IS NULL THEN
    RAISE EXCEPTION 'output schema % has no game_features table', current_setting('search_path')
      USING ERRCODE = '42P01', HINT = 'pgphase.output_schema must name curated or a shadow build of it (set by pgphase run).';
  END IF;
  IF p_lo IS NULL OR p_hi IS NULL THEN
    RAISE EXCEPTION 'curated.build_features needs a game id range, got [%, %]', p_lo, p_hi
      USING ERRCODE = '22004', HINT = 'CALL curated.build_features(run_id, lo, hi) with non-null bounds.';
  END IF;
  IF (SELECT count(*) FROM curated.settings) <> 1 THEN
    RAISE EXCEPTION 'curated.settings must hold exactly one row'
      USING ERRCODE = 'P0001', HINT = 'INSERT INTO curated.settings DEFAULT VALUES restores the defaults.';
  END IF;

  SELECT count(*) INTO rows_in FROM staging.games WHERE id BETWEEN p_lo AND p_hi;

  DELETE FROM game_features WHERE game_id BETWEEN p_lo AND p_hi;
  DELETE FROM game_market_features WHERE game_id BETWEEN p_lo AND p_hi;
  DELETE FROM steam_moves WHERE game_id BETWEEN p_lo AND p_hi;
  DELETE FROM market_consensus WHERE game_id BETWEEN p_lo AND p_hi;
  DELETE FROM book_market_features WHERE game_id BETWEEN p_lo AND p_hi;
  DELETE FROM market_snapshots WHERE game_id BETWEEN p_lo AND p_hi;

  CALL curated.build_snapshots(p_lo, p_hi);
  CALL curated.build_book_features(p_lo, p_hi);
  CALL curated.build_consensus(p_lo, p_hi);
  CALL curated.build_steam(p_lo, p_hi);
  CALL curated.build_game_features(p_lo, p_hi, written);

  rejected := 0;
  extras := '{}';
END
$$;
