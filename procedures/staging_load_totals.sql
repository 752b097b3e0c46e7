-- The staging phase for raw.totals: CALL staging.load_totals(run_id, lo, hi) validates, cleans and
-- types the raw rows with id in [lo, hi] (inclusive), stages the good ones into staging.totals and
-- quarantines the others with a reason code, and returns one row of counts for the runner's
-- ledger: rows_in = staged + quarantined, duplicates being the part of quarantined that are
-- duplicates. Idempotent; never commits; safe to run concurrently on disjoint ranges; the
-- outcome does not depend on how the ids were cut into ranges. How it works: staging.load_range,
-- staging.write_totals, staging.classify_totals; rules and reason codes: docs/reason-codes.md.
CREATE OR REPLACE PROCEDURE staging.load_totals (
  p_run_id bigint,
  p_lo bigint,
  p_hi bigint,
  INOUT rows_in bigint DEFAULT NULL,
  INOUT staged bigint DEFAULT NULL,
  INOUT quarantined bigint DEFAULT NULL,
  INOUT duplicates bigint DEFAULT NULL
) LANGUAGE plpgsql AS $$
BEGIN
  CALL staging.load_range('totals', p_run_id, p_lo, p_hi, rows_in, staged, quarantined, duplicates);
END
$$;
