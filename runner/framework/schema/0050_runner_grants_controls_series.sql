-- The runner role also reads and writes the run controls (0020: pause flag and limits before its
-- batches, heartbeats, throttled time) and writes the report series (0030: one sample per batch,
-- throttle periods). grant_runner and revoke_runner are redefined to cover them (revoke_runner
-- now also takes USAGE on the schema: every runner grant here comes from grant_runner), and the
-- roles already granted get them now. The migration bookkeeping stays out of the runner's reach.
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
  EXECUTE format('GRANT SELECT, INSERT ON pgphase.batch_samples, pgphase.throttle_events TO %I', p_role);
  INSERT INTO pgphase.runner_roles (role_name) VALUES (p_role) ON CONFLICT (role_name) DO NOTHING;
END
$$;

CREATE OR REPLACE FUNCTION pgphase.revoke_runner (p_role name) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM pgphase.runner_roles WHERE role_name = p_role;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = p_role) THEN
    RETURN;
  END IF;
  EXECUTE format('REVOKE SELECT, INSERT ON pgphase.batch_samples, pgphase.throttle_events FROM %I', p_role);
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
