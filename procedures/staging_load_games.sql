-- The staging phase for raw.games: CALL staging.load_games(run_id, lo, hi) validates, cleans and types
-- the raw rows with id in [lo, hi] (inclusive), writes the good ones to staging.games and quarantines
-- the others with a reason code, and returns the generic counts for the runner's ledger:
-- rows_in = written + rejected, extras.duplicates being the part of rejected that are duplicates.
-- Idempotent; never commits; safe to run concurrently on disjoint ranges; the outcome does not
-- depend on how the ids were cut into ranges. The step is only its classification
-- (staging.classify_games: rules and reason codes in docs/reason-codes.md) and its target; the
-- writing, the quarantine and per-record isolation are pgphase's generic driver, pgphase.isolate.
CREATE OR REPLACE PROCEDURE staging.load_games (
  p_run_id bigint,
  p_lo bigint,
  p_hi bigint,
  INOUT rows_in bigint DEFAULT NULL,
  INOUT written bigint DEFAULT NULL,
  INOUT rejected bigint DEFAULT NULL,
  INOUT extras jsonb DEFAULT NULL
) LANGUAGE plpgsql AS $$
BEGIN
  CALL pgphase.isolate('{"source": "raw.games", "classify": "staging.classify_games", "target": "staging.games", "conflict": "external_game_id",
                         "touch": "processed_at", "extras": {"duplicates": ["duplicate_game"]}}',
                       p_run_id, p_lo, p_hi, rows_in, written, rejected, extras);
END
$$;
