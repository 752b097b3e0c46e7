-- The runner role (0008) also reads and writes pgphase's run controls (installed by pgphase
-- itself before the application's migrations: runner/framework/schema/0020_run_control.sql):
-- every runner process reads the pause flag and limits before its batches, and records its
-- heartbeat and throttled time. It still cannot read pgphase's migration bookkeeping.
-- Up Migration
DO $$
DECLARE
  v_runner text := (SELECT role_name FROM pipeline.security_roles WHERE purpose = 'runner');
  v_statements text[] := ARRAY[
    format('GRANT USAGE ON SCHEMA pgphase TO %I', v_runner),
    format('GRANT SELECT, INSERT, UPDATE ON pgphase.run_control, pgphase.run_runners, pgphase.run_throttle TO %I', v_runner)];
  v_statement text;
BEGIN
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = v_runner) AND NOT EXISTS (SELECT FROM pipeline.security_pending) THEN
    FOREACH v_statement IN ARRAY v_statements LOOP
      EXECUTE v_statement;
    END LOOP;
  ELSE
    -- 0008 could not set the roles up (no CREATEROLE; its statements are still pending): these
    -- grants wait with them for an administrator, ahead of the script's last statement, which empties the list.
    UPDATE pipeline.security_pending SET position = position + cardinality(v_statements)
     WHERE statement = 'DELETE FROM pipeline.security_pending';
    INSERT INTO pipeline.security_pending (position, statement)
    SELECT (SELECT coalesce(max(position), 0) FROM pipeline.security_pending WHERE statement <> 'DELETE FROM pipeline.security_pending') + i, s
      FROM unnest(v_statements) WITH ORDINALITY AS u (s, i);
  END IF;
END
$$;

-- Down Migration
DO $$
DECLARE
  v_runner text := (SELECT role_name FROM pipeline.security_roles WHERE purpose = 'runner');
BEGIN
  IF v_runner IS NOT NULL AND EXISTS (SELECT FROM pg_roles WHERE rolname = v_runner) THEN
    EXECUTE format('REVOKE SELECT, INSERT, UPDATE ON pgphase.run_control, pgphase.run_runners, pgphase.run_throttle FROM %I', v_runner);
    EXECUTE format('REVOKE USAGE ON SCHEMA pgphase FROM %I', v_runner);
  END IF;
END
$$;
