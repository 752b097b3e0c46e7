-- The staging phase for raw.spreads: CALL staging.load_spreads(run_id, lo, hi) validates, cleans and
-- types the raw rows with id in [lo, hi] (inclusive), stages the good ones into staging.spreads and
-- quarantines the others with a reason code, and returns one row of counts for the runner's
-- ledger: rows_in = staged + quarantined, duplicates being the part of quarantined that are
-- duplicates. Idempotent; never commits; safe to run concurrently on disjoint ranges; the
-- outcome does not depend on how the ids were cut into ranges. How it works: staging.load_range,
-- staging.write_spreads, staging.classify_spreads; rules and reason codes: docs/reason-codes.md.
CREATE OR REPLACE PROCEDURE staging.load_spreads (
  p_run_id bigint,
  p_lo bigint,
  p_hi bigint,
  INOUT rows_in bigint DEFAULT NULL,
  INOUT staged bigint DEFAULT NULL,
  INOUT quarantined bigint DEFAULT NULL,
  INOUT duplicates bigint DEFAULT NULL
) LANGUAGE plpgsql AS $$
BEGIN
  CALL staging.load_range('spreads', p_run_id, p_lo, p_hi, rows_in, staged, quarantined, duplicates);
END
$$;
