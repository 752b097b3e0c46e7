-- A db_error names what it broke. When a record fails on the target (a unique index, a check, a
-- foreign key the classification did not foresee), the quarantine row's message now carries the
-- error's DETAIL (for a unique violation: `Key (email)=(a@b.example) already exists.`) and the new
-- column constraint_name names the constraint or index, so that `pgphase quarantine list` tells
-- two unique indexes apart instead of one db_error bucket. pgphase.isolate is redefined with that
-- handler; everything else is as 0007 (and 0060: jit = off) left it. A later rejection of the row
-- for a classification reason leaves constraint_name as it was: readers use it for db_error rows
-- only.
ALTER TABLE pgphase.quarantine
ADD COLUMN constraint_name text;

COMMENT ON COLUMN pgphase.quarantine.constraint_name IS 'For a db_error: the constraint or index the row broke (CONSTRAINT_NAME), else NULL or stale.';

CREATE OR REPLACE PROCEDURE pgphase.isolate (
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
  enable_seqscan = off
SET
  jit = off AS $$
DECLARE
  v_force constant boolean := lower(coalesce(current_setting('pgphase.force_per_record', true), '')) IN ('on', 'true', '1', 'yes');
  v_sql record;
  v_extras jsonb := coalesce(p_step -> 'extras', '{}');
  v_has_rows boolean;
  v_state text;
  v_message text;
  v_detail text;
  v_constraint text;
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
      GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_message = MESSAGE_TEXT, v_detail = PG_EXCEPTION_DETAIL,
                              v_constraint = CONSTRAINT_NAME;
      IF pgphase.sqlstate_class(v_state) <> 'data' THEN
        RAISE;
      END IF;
      -- The message with its detail (for a unique violation: the key's columns and values).
      EXECUTE v_sql.db_error_sql USING v_sql.source_name, concat_ws(': ', v_message, nullif(v_detail, '')), v_state, p_run_id, v_id;
      UPDATE pgphase.quarantine q SET constraint_name = nullif(v_constraint, '')
       WHERE q.source_table = v_sql.source_name AND q.source_id = v_id;
      rows_in := rows_in + 1;
      rejected := rejected + 1;
    END;
  END LOOP;
  PERFORM set_config('plan_cache_mode', v_plan_mode, true);
  EXECUTE v_sql.forget_sql USING p_lo, p_hi, v_sql.source_name;
END
$$;
