-- What a runner role needs in pgphase's schema, in one place: pgphase.grant_runner(role) grants
-- it (USAGE on the schema; SELECT, INSERT, UPDATE on the ledger; SELECT, INSERT, UPDATE, DELETE
-- on the quarantine; the sequences behind them) and records the role in pgphase.runner_roles;
-- pgphase.revoke_runner(role) takes it back. The migration bookkeeping stays out of reach.
-- Roles are the application's choice (its migrations create them), so the application calls
-- these. A later framework file that adds a table the runner writes redefines grant_runner and
-- re-applies it: SELECT pgphase.grant_runner(role_name) FROM pgphase.runner_roles;
CREATE TABLE pgphase.runner_roles (
  role_name name PRIMARY KEY,
  granted_at timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION pgphase.grant_runner (p_role name) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF p_role IS NULL OR NOT EXISTS (SELECT FROM pg_roles WHERE rolname = p_role) THEN
    RAISE EXCEPTION 'pgphase.grant_runner: no role %', p_role USING ERRCODE = '42704', HINT = 'Create the role first.';
  END IF;
  EXECUTE format('GRANT USAGE ON SCHEMA pgphase TO %I', p_role);
  EXECUTE format('GRANT SELECT, INSERT, UPDATE ON pgphase.runs, pgphase.run_steps, pgphase.partitions TO %I', p_role);
  EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON pgphase.quarantine TO %I', p_role);
  EXECUTE format('GRANT USAGE ON SEQUENCE pgphase.runs_id_seq, pgphase.run_steps_id_seq, pgphase.partitions_id_seq,
                  pgphase.quarantine_id_seq TO %I', p_role);
  INSERT INTO pgphase.runner_roles (role_name) VALUES (p_role) ON CONFLICT (role_name) DO NOTHING;
END
$$;

CREATE FUNCTION pgphase.revoke_runner (p_role name) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM pgphase.runner_roles WHERE role_name = p_role;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = p_role) THEN
    RETURN;
  END IF;
  EXECUTE format('REVOKE USAGE ON SEQUENCE pgphase.runs_id_seq, pgphase.run_steps_id_seq, pgphase.partitions_id_seq,
                  pgphase.quarantine_id_seq FROM %I', p_role);
  EXECUTE format('REVOKE SELECT, INSERT, UPDATE, DELETE ON pgphase.quarantine FROM %I', p_role);
  EXECUTE format('REVOKE SELECT, INSERT, UPDATE ON pgphase.runs, pgphase.run_steps, pgphase.partitions FROM %I', p_role);
  EXECUTE format('REVOKE USAGE ON SCHEMA pgphase FROM %I', p_role);
END
$$;

REVOKE
EXECUTE ON FUNCTION pgphase.grant_runner (name),
pgphase.revoke_runner (name)
FROM
  PUBLIC;
