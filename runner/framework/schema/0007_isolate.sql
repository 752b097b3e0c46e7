-- The generic isolation driver: CALL pgphase.isolate(step, run_id, lo, hi, ...) writes the
-- source rows with key in [lo, hi] of one step (a classification and a target, declared as in
-- 0006_isolation_sql.sql) and returns the generic counts: rows_in = written + rejected, extras
-- the step's named counters. It never commits: the runner commits each call with its ledger row.
-- 1. Set-based: the range is classified once and written in one statement (valid rows upserted
--    into the target, only changed ones rewritten; rejected rows upserted into pgphase.quarantine
--    with their reason code, message and row as jsonb; rows now valid leave the quarantine, rows
--    now rejected leave the target), inside a savepoint.
-- 2. Record by record, when that statement fails with an error the classification did not
--    foresee (a constraint, a cast), or when the setting pgphase.force_per_record is on: rolled
--    back to the savepoint, the range is written again one key at a time through the same
--    statement (generic plan), each in its own savepoint; a record that still
--    fails is quarantined as db_error with its SQLSTATE and message, and the others are written.
-- Only errors about the data (pgphase.sqlstate_class = 'data': a constraint, a cast, an exception
-- a trigger or a classification raised) are absorbed. Every other one is re-raised with its
-- SQLSTATE: transient ones (lost connection, serialization failure, deadlock, lock timeout,
-- shutdown) for the runner to retry, a missing privilege or a read-only server to stop the
-- partition rather than quarantine every row. Query cancellation is not caught at all.
-- Statements are prepared once per session (pgphase.prepared). EXECUTE of a prepared statement
-- is a utility command and takes no $n parameters, so its arguments are written into it as
-- literals (%L): the call's bigints and the step's own texts, never a record's values.
-- Idempotent: a second call over the same range rewrites nothing. Plans: a classification is
-- materialised and the planner cannot estimate it, and the tables written grow during a run while
-- their statistics lag; every table the statement reads or writes is reached through the key
-- range or a key, so it runs with enable_nestloop and enable_seqscan off (hash joins and index
-- scans, whose cost follows the range, never the size of a growing table).
-- The name of a session's prepared statement for a statement text of the driver (its hash),
-- prepared on first use. Planned like a PL/pgSQL statement: custom plans first, then the generic
-- one once it is no costlier, so that a batch does not pay for planning the statement again.
CREATE FUNCTION pgphase.prepared (p_sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  v_name constant text := 'pgphase_isolate_' || md5(p_sql);
BEGIN
  IF NOT EXISTS (SELECT FROM pg_prepared_statements WHERE name = v_name) THEN
    EXECUTE format('PREPARE %I (bigint, bigint, bigint, text, jsonb) AS %s', v_name, p_sql);
  END IF;
  RETURN v_name;
END
$$;

CREATE PROCEDURE pgphase.isolate (
  p_step jsonb,
  p_run_id bigint,
  p_lo bigint,
  p_hi bigint,
  INOUT rows_in bigint DEFAULT NULL,
  INOUT written bigint DEFAULT NULL,
  INOUT rejected bigint DEFAULT NULL,
  INOUT extras jsonb DEFAULT NULL
) LANGUAGE plpgsql
SET
  enable_nestloop = off
SET
  enable_seqscan = off AS $$
DECLARE
  v_force constant boolean := lower(coalesce(current_setting('pgphase.force_per_record', true), '')) IN ('on', 'true', '1', 'yes');
  v_sql record;
  v_extras jsonb := coalesce(p_step -> 'extras', '{}');
  v_has_rows boolean;
  v_state text;
  v_message text;
  v_id bigint;
  v_in bigint;
  v_written bigint;
  v_rejected bigint;
  v_more jsonb;
  v_write text;
  v_unstage text;
  v_lock text;
  v_plan_mode text;
BEGIN
  IF p_lo IS NULL OR p_hi IS NULL OR p_lo > p_hi THEN
    RAISE EXCEPTION 'pgphase.isolate(%): invalid key range [%, %]', p_step ->> 'source', p_lo, p_hi
      USING ERRCODE = '22023', HINT = 'Pass p_lo <= p_hi, both not null.';
  END IF;
  v_sql := pgphase.isolation_sql(p_step);

  IF NOT v_force THEN
    BEGIN
      EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s t WHERE t.%I BETWEEN $1 AND $2)',
                     (p_step ->> 'target')::regclass, coalesce(p_step ->> 'source_column', 'source_raw_id'))
        INTO v_has_rows USING p_lo, p_hi;
      IF v_sql.unstage_sql IS NOT NULL AND v_has_rows THEN
        EXECUTE format('EXECUTE %I (%L, %L, %L, %L, %L)', pgphase.prepared(v_sql.unstage_sql), p_run_id, p_lo, p_hi, v_sql.source_name, v_extras);
      END IF;
      EXECUTE format('EXECUTE %I (%L, %L, %L, %L, %L)', pgphase.prepared(CASE WHEN v_has_rows THEN v_sql.write_sql ELSE v_sql.first_sql END),
                     p_run_id, p_lo, p_hi, v_sql.source_name, v_extras)
        INTO rows_in, written, rejected, extras;
      RETURN;
    EXCEPTION WHEN OTHERS THEN
      GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE;
      IF pgphase.sqlstate_class(v_state) <> 'data' THEN
        RAISE;
      END IF;
    END;
  END IF;

  rows_in := 0;
  written := 0;
  rejected := 0;
  extras := (SELECT coalesce(jsonb_object_agg(e.key, 0), '{}') FROM jsonb_each(v_extras) e);
  FOREACH v_lock IN ARRAY coalesce(v_sql.lock_sql, '{}') LOOP
    BEGIN
      EXECUTE v_lock USING NULL::bigint, p_lo, p_hi;
    EXCEPTION WHEN OTHERS THEN
      GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE;
      IF pgphase.sqlstate_class(v_state) <> 'data' THEN
        RAISE;
      END IF; -- only an optimisation: the records below find out what is wrong
    END;
  END LOOP;
  -- One-key ranges all want the same plan: the generic one, not a new plan per record.
  v_write := pgphase.prepared(v_sql.write_sql);
  IF v_sql.unstage_sql IS NOT NULL THEN
    v_unstage := pgphase.prepared(v_sql.unstage_sql);
  END IF;
  v_plan_mode := current_setting('plan_cache_mode');
  PERFORM set_config('plan_cache_mode', 'force_generic_plan', true);
  FOR v_id IN EXECUTE v_sql.ids_sql USING p_lo, p_hi LOOP
    BEGIN
      IF v_unstage IS NOT NULL THEN
        EXECUTE format('EXECUTE %I (%L, %L, %L, %L, %L)', v_unstage, p_run_id, v_id, v_id, v_sql.source_name, v_extras);
      END IF;
      EXECUTE format('EXECUTE %I (%L, %L, %L, %L, %L)', v_write, p_run_id, v_id, v_id, v_sql.source_name, v_extras)
        INTO v_in, v_written, v_rejected, v_more;
      rows_in := rows_in + v_in;
      written := written + v_written;
      rejected := rejected + v_rejected;
      extras := (SELECT coalesce(jsonb_object_agg(k, coalesce((extras ->> k)::bigint, 0) + coalesce((v_more ->> k)::bigint, 0)), '{}')
                   FROM (SELECT jsonb_object_keys(extras) UNION SELECT jsonb_object_keys(v_more)) AS keys (k));
    EXCEPTION WHEN OTHERS THEN
      GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_message = MESSAGE_TEXT;
      IF pgphase.sqlstate_class(v_state) <> 'data' THEN
        RAISE;
      END IF;
      EXECUTE v_sql.db_error_sql USING v_sql.source_name, v_message, v_state, p_run_id, v_id;
      rows_in := rows_in + 1;
      rejected := rejected + 1;
    END;
  END LOOP;
  PERFORM set_config('plan_cache_mode', v_plan_mode, true);
  EXECUTE v_sql.forget_sql USING p_lo, p_hi, v_sql.source_name;
END
$$;
