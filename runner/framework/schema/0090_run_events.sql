-- A run's history for its report. run_control holds only the current pause and limits, so a
-- pause that was lifted, a tune that was changed again or an abandonment left no trace of when
-- and by whom. Each change of run_control now appends an event here, in the same statement (and
-- so the same transaction) as the change (runner/ledger/control.ts):
--   kind   pause, resume, tune, stop (a runner held the run: error budget, critical threshold),
--          lift (a runner lifted such a stop when it resumed the run), abandon
--   actor  who: the operator (user@host) or the runner process
--   detail what: {"reason": ...} for a pause or stop, the new limits for a tune
-- health_samples keeps the health signals each runner process's gate last read, one row per
-- heartbeat (every sixth of the lease, ~5 s), so the report draws them beside the throughput:
-- replica lag (NULL without standbys), active client backends, the oldest transaction's age.
-- run_steps.estimated_rows is the row estimate a step was planned with (the statistics' count of
-- its source table), the planned row count of the report's progress and ETA; NULL for steps
-- planned before this file or not planned yet.
CREATE TABLE pgphase.run_events (
  run_id bigint NOT NULL,
  at timestamptz NOT NULL DEFAULT now(),
  kind text NOT NULL,
  actor text,
  detail jsonb
);

CREATE INDEX run_events_run_time ON pgphase.run_events (run_id, at);

COMMENT ON TABLE pgphase.run_events IS 'History of each run''s control changes (pause, resume, tune, stop, lift, abandon): when, who, what; drawn by pgphase report --html.';

CREATE TABLE pgphase.health_samples (
  run_id bigint NOT NULL,
  runner text NOT NULL,
  at timestamptz NOT NULL,
  replica_lag_ms bigint,
  active_backends integer NOT NULL,
  oldest_xact_ms bigint
);

CREATE INDEX health_samples_run_time ON pgphase.health_samples (run_id, at);

COMMENT ON TABLE pgphase.health_samples IS 'The health signals each runner process''s gate last read, one row per heartbeat; drawn by pgphase report --html.';

ALTER TABLE pgphase.run_steps
ADD COLUMN estimated_rows bigint;

COMMENT ON COLUMN pgphase.run_steps.estimated_rows IS 'Rows the step was planned with (its source table''s estimate); NULL: not planned, or planned before it was kept.';

-- The runner role appends events (a stop, a lift, an abandonment; the operator commands run as
-- whichever role the operator has) and health samples. grant_runner and revoke_runner as in 0050,
-- with run_events and health_samples.
CREATE OR REPLACE FUNCTION pgphase.grant_runner (p_role name) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF p_role IS NULL OR NOT EXISTS (SELECT FROM pg_roles WHERE rolname = p_role) THEN
    RAISE EXCEPTION 'pgphase.grant_runner: no role %', p_role USING ERRCODE = '42704', HINT = 'Create the role first.';
  END IF;
  EXECUTE format('GRANT USAGE ON SCHEMA pgphase TO %I', p_role);
  EXECUTE format('GRANT SELECT, INSERT, UPDATE ON pgphase.runs, pgphase.run_steps, pgphase.partitions TO %I', p_role);
  EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON pgphase.quarantine TO %I', p_role);
  EXECUTE format('GRANT USAGE ON SEQUENCE pgphase.runs_id_seq, pgphase.run_steps_id_seq, pgphase.partitions_id_seq,
                  pgphase.quarantine_id_seq TO %I', p_role);
  EXECUTE format('GRANT SELECT, INSERT, UPDATE ON pgphase.run_control, pgphase.run_runners, pgphase.run_throttle TO %I', p_role);
  EXECUTE format('GRANT SELECT, INSERT ON pgphase.batch_samples, pgphase.throttle_events, pgphase.run_events,
                  pgphase.health_samples TO %I', p_role);
  INSERT INTO pgphase.runner_roles (role_name) VALUES (p_role) ON CONFLICT (role_name) DO NOTHING;
END
$$;

CREATE OR REPLACE FUNCTION pgphase.revoke_runner (p_role name) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM pgphase.runner_roles WHERE role_name = p_role;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = p_role) THEN
    RETURN;
  END IF;
  EXECUTE format('REVOKE SELECT, INSERT ON pgphase.batch_samples, pgphase.throttle_events, pgphase.run_events,
                  pgphase.health_samples FROM %I', p_role);
  EXECUTE format('REVOKE SELECT, INSERT, UPDATE ON pgphase.run_control, pgphase.run_runners, pgphase.run_throttle FROM %I', p_role);
  EXECUTE format('REVOKE USAGE ON SEQUENCE pgphase.runs_id_seq, pgphase.run_steps_id_seq, pgphase.partitions_id_seq,
                  pgphase.quarantine_id_seq FROM %I', p_role);
  EXECUTE format('REVOKE SELECT, INSERT, UPDATE, DELETE ON pgphase.quarantine FROM %I', p_role);
  EXECUTE format('REVOKE SELECT, INSERT, UPDATE ON pgphase.runs, pgphase.run_steps, pgphase.partitions FROM %I', p_role);
  -- Every grant the runner has in pgphase comes from grant_runner, so USAGE goes too.
  EXECUTE format('REVOKE USAGE ON SCHEMA pgphase FROM %I', p_role);
END
$$;

SELECT
  pgphase.grant_runner (role_name)
FROM
  pgphase.runner_roles r
WHERE
  EXISTS (
    SELECT
    FROM
      pg_roles
    WHERE
      rolname = r.role_name
  );
