-- The statements of the generic isolation driver (pgphase.isolate, 0007) for one step, built
-- from the step's declaration and the catalog. A step is a jsonb object:
--   source         the source table (its rows are read through the key column)       required
--   key            the source's bigint key column                                     default id
--   classify       a function (p_lo bigint, p_hi bigint) returning, for every source row with
--                  key in [p_lo, p_hi], the typed row for the target (reason_code NULL) or a
--                  reason_code, a message and the source row as jsonb (raw_row)      required
--   target         the table valid rows are written to                                required
--   source_column  the column of the classification and the target holding the source key
--                                                                                      default source_raw_id
--   conflict       the target's unique column rows are upserted on                    default source_column
--   touch          a target column set to now() when a row changes                   optional
--   extras         named counters: {"name": [reason codes]}                           optional
-- The written columns are the classification's output columns the target also has (and run_id,
-- from the call, when the target has it and the classification does not).
-- Statements take $1 run id, $2 lo, $3 hi, $4 the source's name, $5 the extras declaration,
-- and return rows_in, written, rejected, extras. Identifiers reach them only through regclass,
-- regproc and %I; values only as parameters.
CREATE FUNCTION pgphase.isolation_sql (
  p_step jsonb,
  OUT source_name text,
  OUT first_sql text,
  OUT write_sql text,
  OUT unstage_sql text,
  OUT ids_sql text,
  OUT forget_sql text,
  OUT db_error_sql text,
  OUT lock_sql TEXT[]
) LANGUAGE plpgsql STABLE AS $$
DECLARE
  v_source regclass;
  v_classify regproc;
  v_target regclass;
  v_key text := coalesce(p_step ->> 'key', 'id');
  v_src text := coalesce(p_step ->> 'source_column', 'source_raw_id');
  v_conflict text;
  v_touch text := p_step ->> 'touch';
  v_out text[];
  v_cols text[];
  v_upd text[];
  v_run_id boolean;
  v_insert text;
  v_update text;
  v_reject text;
  v_counts text;
  v_raw text;
  v_classified text;
BEGIN
  IF p_step IS NULL OR jsonb_typeof(p_step) <> 'object' OR NOT p_step ?& ARRAY['source', 'classify', 'target'] THEN
    RAISE EXCEPTION 'pgphase.isolate: a step needs source, classify and target, got %', p_step
      USING ERRCODE = '22023', HINT = 'See runner/framework/schema/0006_isolation_sql.sql for the step declaration.';
  END IF;
  v_source := (p_step ->> 'source')::regclass;
  v_classify := (p_step ->> 'classify')::regproc;
  v_target := (p_step ->> 'target')::regclass;
  v_conflict := coalesce(p_step ->> 'conflict', v_src);
  SELECT n.nspname || '.' || c.relname INTO source_name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = v_source;

  SELECT array_agg(a.name ORDER BY a.n) INTO v_out
    FROM pg_proc p, unnest(p.proargnames, p.proargmodes) WITH ORDINALITY AS a (name, mode, n)
   WHERE p.oid = v_classify AND a.mode IN ('t', 'o');
  IF v_out IS NULL OR NOT v_out @> ARRAY[v_src, 'reason_code', 'message', 'raw_row'] THEN
    RAISE EXCEPTION 'pgphase.isolate: % must return TABLE (%, ..., reason_code, message, raw_row)', v_classify, v_src
      USING ERRCODE = '42P13', HINT = 'A classification returns the typed row for the target, or a reason.';
  END IF;
  SELECT array_agg(o.name ORDER BY o.n) INTO v_cols
    FROM unnest(v_out) WITH ORDINALITY AS o (name, n)
   WHERE o.name NOT IN ('reason_code', 'message', 'raw_row')
     AND EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = v_target AND a.attname = o.name AND a.attnum > 0 AND NOT a.attisdropped);
  IF NOT v_cols @> ARRAY[v_src, v_conflict] THEN
    RAISE EXCEPTION 'pgphase.isolate: % and % need the columns % and %', v_classify, v_target, v_src, v_conflict
      USING ERRCODE = '42703', HINT = 'Name the source key column with source_column, the upsert key with conflict.';
  END IF;
  v_run_id := NOT 'run_id' = ANY (v_cols)
              AND EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = v_target AND a.attname = 'run_id' AND NOT a.attisdropped);
  v_upd := array_remove(v_cols, v_conflict);

  v_classified := format('SELECT * FROM %s($2, $3)', v_classify);
  v_insert := format('INSERT INTO %s AS t (%s) SELECT %s FROM c WHERE c.reason_code IS NULL',
    v_target,
    (SELECT string_agg(format('%I', x), ', ') FROM unnest(v_cols) x) || CASE WHEN v_run_id THEN ', run_id' ELSE '' END,
    (SELECT string_agg(format('c.%I', x), ', ') FROM unnest(v_cols) x) || CASE WHEN v_run_id THEN ', $1' ELSE '' END);
  v_update := v_insert
    || CASE WHEN v_conflict <> v_src THEN format(' ORDER BY c.%I', v_src) ELSE '' END
    || format(' ON CONFLICT (%I) DO UPDATE SET %s WHERE (%s) IS DISTINCT FROM (%s)', v_conflict,
         concat_ws(', ',
           (SELECT string_agg(format('%I = excluded.%I', x, x), ', ') FROM unnest(v_upd) x),
           CASE WHEN v_run_id THEN 'run_id = excluded.run_id' END,
           CASE WHEN v_touch IS NOT NULL THEN format('%I = now()', v_touch) END),
         (SELECT string_agg(format('t.%I', x), ', ') FROM unnest(v_upd) x),
         (SELECT string_agg(format('excluded.%I', x), ', ') FROM unnest(v_upd) x));
  v_reject := format($f$
    reject AS (
      INSERT INTO pgphase.quarantine AS q (source_table, source_id, reason_code, message, sqlstate, raw_row, run_id)
      SELECT $4, r.%1$I, r.reason_code, r.message, NULL, r.raw_row, $1 FROM (%2$s) r
          ON CONFLICT (source_table, source_id) DO UPDATE
         SET reason_code = excluded.reason_code, message = excluded.message, sqlstate = NULL,
             raw_row = excluded.raw_row, run_id = excluded.run_id, attempts = q.attempts + 1, last_seen_at = now()
    ), release AS (
      DELETE FROM pgphase.quarantine q
       WHERE q.source_table = $4 AND q.source_id BETWEEN $2 AND $3
         AND NOT EXISTS (SELECT 1 FROM c WHERE c.%1$I = q.source_id AND c.reason_code IS NOT NULL)
    )$f$, v_src,
    CASE WHEN v_conflict = v_src THEN 'SELECT * FROM c WHERE c.reason_code IS NOT NULL'
         ELSE 'SELECT * FROM c WHERE c.reason_code IS NOT NULL UNION ALL SELECT * FROM displaced WHERE displaced.reason_code IS NOT NULL' END);
  v_counts := 'SELECT count(*)::bigint, count(*) FILTER (WHERE c.reason_code IS NULL)::bigint,
                      count(*) FILTER (WHERE c.reason_code IS NOT NULL)::bigint,
                      coalesce((SELECT jsonb_object_agg(e.key, (SELECT count(*) FROM c c2 WHERE c2.reason_code IN (SELECT jsonb_array_elements_text(e.value))))
                                  FROM jsonb_each($5) e), ''{}'')
                 FROM c';

  -- A target row is unstaged when no valid row of the range produces its upsert key any more.
  unstage_sql := format('DELETE FROM %s t WHERE t.%I BETWEEN $2 AND $3
                           AND NOT EXISTS (SELECT 1 FROM (%s) c WHERE c.reason_code IS NULL AND c.%I = t.%I)',
                        v_target, v_src, CASE WHEN v_conflict = v_src THEN 'SELECT * FROM c' ELSE v_classified END, v_conflict, v_conflict);
  IF v_conflict = v_src THEN
    -- the range's first load: nothing to update or unstage, so a plain INSERT (concurrent calls on
    -- disjoint ranges cannot collide on the source key)
    first_sql := format('WITH c AS MATERIALIZED (%s), stage AS (%s), %s %s', v_classified, v_insert, v_reject, v_counts);
    write_sql := format('WITH c AS MATERIALIZED (%s), unstage AS (%s), stage AS (%s), %s %s',
                        v_classified, unstage_sql, v_update, v_reject, v_counts);
    unstage_sql := NULL;
  ELSE
    -- The upsert key is not the source key (several source rows may claim one target row): a
    -- target row taken over from a source row outside the range sends that row through its
    -- classification again, which now rejects it (e.g. as a duplicate). Unstaging is a statement
    -- of its own, before the write: in one statement the upsert would not see its deletes.
    write_sql := format('WITH c AS MATERIALIZED (%s), displaced AS (
                           SELECT k.* FROM %s t JOIN c ON c.%I = t.%I AND c.reason_code IS NULL
                            CROSS JOIN LATERAL %s(t.%I, t.%I) k
                            WHERE t.%I <> c.%I AND t.%I NOT BETWEEN $2 AND $3
                         ), stage AS (%s), %s %s',
                        v_classified, v_target, v_conflict, v_conflict, v_classify, v_src, v_src, v_src, v_src, v_src,
                        v_update, v_reject, v_counts);
    first_sql := write_sql;
  END IF;

  ids_sql := format('SELECT %I FROM %s WHERE %I BETWEEN $1 AND $2 ORDER BY 1', v_key, v_source, v_key);
  -- Keys of the range that are gone from the source leave the target and the quarantine.
  forget_sql := format('WITH t AS (DELETE FROM %s t WHERE t.%I BETWEEN $1 AND $2 AND NOT EXISTS (SELECT 1 FROM %s r WHERE r.%I = t.%I))
                        DELETE FROM pgphase.quarantine q WHERE q.source_table = $3 AND q.source_id BETWEEN $1 AND $2
                           AND NOT EXISTS (SELECT 1 FROM %s r WHERE r.%I = q.source_id)',
                       v_target, v_src, v_source, v_key, v_src, v_source, v_key);
  -- The source row as jsonb, its timestamptz columns in UTC (as a classification writes them).
  SELECT coalesce(' || jsonb_build_object(' || string_agg(format('%L, to_char(r.%I AT TIME ZONE ''UTC'', ''YYYY-MM-DD"T"HH24:MI:SS.US"Z"'')', a.attname, a.attname), ', ') || ')', '')
    INTO v_raw
    FROM pg_attribute a WHERE a.attrelid = v_source AND a.attnum > 0 AND NOT a.attisdropped AND a.atttypid = 'timestamptz'::regtype;
  db_error_sql := format($f$
    WITH t AS (DELETE FROM %1$s t WHERE t.%2$I = $5)
    INSERT INTO pgphase.quarantine AS q (source_table, source_id, reason_code, message, sqlstate, raw_row, run_id)
    SELECT $1, r.%3$I, 'db_error', $2, $3, to_jsonb(r)%4$s, $4 FROM %5$s r WHERE r.%3$I = $5
        ON CONFLICT (source_table, source_id) DO UPDATE
       SET reason_code = excluded.reason_code, message = excluded.message, sqlstate = excluded.sqlstate,
           raw_row = excluded.raw_row, run_id = excluded.run_id, attempts = q.attempts + 1, last_seen_at = now()$f$,
    v_target, v_src, v_key, v_raw, v_source);
  -- Before writing record by record: the rows the target's foreign keys reference, locked once
  -- FOR KEY SHARE by the enclosing transaction. Taken by each record's savepoint instead, those
  -- locks become multixacts growing by one member per record (quadratic).
  SELECT array_agg(format('SELECT count(*) FROM (SELECT 1 FROM %s p WHERE p.%I IN (SELECT c.%I FROM (%s) c WHERE c.reason_code IS NULL)
                            ORDER BY p.%I FOR KEY SHARE OF p) x',
                          k.confrelid::regclass, pa.attname, ta.attname, v_classified, pa.attname))
    INTO lock_sql
    FROM pg_constraint k
    JOIN pg_attribute ta ON ta.attrelid = k.conrelid AND ta.attnum = k.conkey[1]
    JOIN pg_attribute pa ON pa.attrelid = k.confrelid AND pa.attnum = k.confkey[1]
   WHERE k.conrelid = v_target AND k.contype = 'f' AND cardinality(k.conkey) = 1 AND ta.attname = ANY (v_cols);
END
$$;
