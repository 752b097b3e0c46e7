-- Per-batch samples and throttle periods, the series behind `pgphase report --html`.
--
-- pgphase.batch_samples: one row per committed batch, inserted by the runner in the batch's own
-- transaction (runner/run/batch.ts runBatch), so a batch has a sample exactly when its writes
-- committed, and a run shared by several runner processes on several hosts has one series.
-- `started_at` is the server's transaction start (one clock for every host); `ms` is the phase
-- procedure's time; `retries` and `retry_sqlstate` are the failed attempts of this batch before
-- the one that committed. Keyed by the ledger's ids without foreign keys: framework files run
-- before an application's migrations and must not reference its tables.
--
-- pgphase.throttle_events: a period a runner's workers waited on the health gate, with its
-- reason; the report shades it on the time charts.
--
-- Both grow with a run and are only read by reports: delete a finished run's rows when its report
-- is no longer wanted (DELETE FROM pgphase.batch_samples WHERE run_id = ...).
CREATE TABLE pgphase.batch_samples (
  run_id bigint NOT NULL,
  step_id bigint NOT NULL,
  partition_id bigint NOT NULL,
  phase text NOT NULL,
  source_table text NOT NULL,
  worker text NOT NULL,
  started_at timestamptz NOT NULL,
  rows_in bigint NOT NULL,
  staged bigint NOT NULL,
  quarantined bigint NOT NULL,
  ms integer NOT NULL,
  batch_size integer NOT NULL,
  retries integer NOT NULL DEFAULT 0,
  retry_sqlstate text
);

CREATE INDEX batch_samples_run_time ON pgphase.batch_samples (run_id, started_at);

COMMENT ON TABLE pgphase.batch_samples IS 'One row per committed batch, written in the batch''s transaction; the series of pgphase report --html.';

CREATE TABLE pgphase.throttle_events (
  run_id bigint NOT NULL,
  runner text NOT NULL,
  reason text NOT NULL,
  started_at timestamptz NOT NULL,
  ended_at timestamptz NOT NULL,
  CHECK (ended_at >= started_at)
);

CREATE INDEX throttle_events_run_time ON pgphase.throttle_events (run_id, started_at);

COMMENT ON TABLE pgphase.throttle_events IS 'Periods a runner waited on the health gate, by reason; shaded by pgphase report --html.';
