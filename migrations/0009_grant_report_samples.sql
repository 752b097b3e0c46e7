-- The runner role (migration 0008) writes and reads the framework's report series:
-- pgphase.batch_samples (one row per batch, in the batch's transaction) and
-- pgphase.throttle_events. USAGE on schema pgphase lets it reach those two tables and nothing
-- else there: it still cannot read pgphase's migration bookkeeping.
-- Up Migration
DO $$
DECLARE
  v_runner text := (SELECT role_name FROM pipeline.security_roles WHERE purpose = 'runner');
BEGIN
  EXECUTE format('GRANT USAGE ON SCHEMA pgphase TO %I', v_runner);
  EXECUTE format('GRANT SELECT, INSERT ON pgphase.batch_samples, pgphase.throttle_events TO %I', v_runner);
END
$$;

-- Down Migration
DO $$
DECLARE
  v_runner text := (SELECT role_name FROM pipeline.security_roles WHERE purpose = 'runner');
BEGIN
  IF v_runner IS NOT NULL AND EXISTS (SELECT FROM pg_roles WHERE rolname = v_runner) THEN
    EXECUTE format('REVOKE SELECT, INSERT ON pgphase.batch_samples, pgphase.throttle_events FROM %I', v_runner);
    EXECUTE format('REVOKE USAGE ON SCHEMA pgphase FROM %I', v_runner);
  END IF;
END
$$;
