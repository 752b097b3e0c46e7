-- Operator control and health state of runs (issue 13), keyed by the run's id (no foreign key:
-- the ledger may live elsewhere; pgphase installs this before any application migration).
--   run_control   one row per run that an operator or the runner has touched: the pause flag
--                 (`pgphase pause/resume`; kind 'stop' is set by the error budget or a critical
--                 threshold and makes every runner process stop cleanly instead of waiting), the
--                 limits set by `pgphase tune` (null = the runner's own), and abandonment
--                 (`pgphase run --new --abandon`).
--   run_runners   one row per runner process that worked on a run: when it started, its last
--                 heartbeat (at most every few seconds), when it ended and how, its state
--                 (running, throttled, paused) and worker count. A run's working time is the union
--                 of these intervals, so a resumed run does not count the hours it sat interrupted.
--   run_throttle  throttled milliseconds per run and reason, added to by every runner process.
CREATE TABLE pgphase.run_control (
  run_id bigint PRIMARY KEY,
  paused boolean NOT NULL DEFAULT FALSE,
  pause_kind text NOT NULL DEFAULT 'operator' CHECK (pause_kind IN ('operator', 'stop')),
  pause_reason text,
  workers integer CHECK (workers >= 1),
  batch_max integer CHECK (batch_max >= 1),
  target_ms integer CHECK (target_ms >= 1),
  max_lag_ms integer CHECK (max_lag_ms >= 0),
  abandoned_at timestamptz,
  abandoned_by text,
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by text
);

CREATE TABLE pgphase.run_runners (
  run_id bigint NOT NULL,
  runner text NOT NULL,
  started_at timestamptz NOT NULL DEFAULT now(),
  last_seen timestamptz NOT NULL DEFAULT now(),
  ended_at timestamptz,
  ended_how text,
  state text NOT NULL DEFAULT 'running',
  reason text,
  workers integer NOT NULL DEFAULT 0,
  PRIMARY KEY (run_id, runner)
);

CREATE TABLE pgphase.run_throttle (
  run_id bigint NOT NULL,
  reason text NOT NULL,
  ms bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (run_id, reason)
);

COMMENT ON TABLE pgphase.run_control IS 'pgphase pause/resume/tune and abandonment of runs; read by every runner process before its batches.';

COMMENT ON TABLE pgphase.run_runners IS 'Runner processes of each run: heartbeat, state, workers; a run''s working time is the union of their intervals.';

COMMENT ON TABLE pgphase.run_throttle IS 'Milliseconds each run was throttled, per reason, summed over its runner processes.';
