-- The driver behind staging.load_games/_moneylines/_spreads/_totals: stages the raw.<p_source>
-- rows with id in [p_lo, p_hi] and returns the range's counts (rows_in = staged + quarantined;
-- duplicates is the part of quarantined that are duplicates). It never commits: the runner
-- commits each call together with its ledger row.
-- 1. Set-based: one call of staging.write_<p_source> over the whole range, inside a savepoint.
-- 2. Per record, when that fails with an error about the data (a constraint or a cast the
--    validation did not foresee), or when the setting pgphase.force_per_record is on: the range
--    is rolled back to the savepoint and written again one raw id at a time, each in its own
--    savepoint, through the same staging.write_<p_source>; a record that still fails is
--    quarantined as db_error with its SQLSTATE and message, and the others are staged.
-- Transient errors (serialization failure, deadlock, lock timeout, lost connection, shutdown,
-- out of resources) are never absorbed: they are re-raised with their SQLSTATE for the runner
-- to retry. Query cancellation (statement_timeout) is not caught at all.
-- p_source is one of four fixed names, and only reaches dynamic SQL as an identifier (%I).
CREATE OR REPLACE PROCEDURE staging.load_range (
  p_source text,
  p_run_id bigint,
  p_lo bigint,
  p_hi bigint,
  INOUT rows_in bigint DEFAULT NULL,
  INOUT staged bigint DEFAULT NULL,
  INOUT quarantined bigint DEFAULT NULL,
  INOUT duplicates bigint DEFAULT NULL
) LANGUAGE plpgsql AS $$
DECLARE
  v_force constant boolean := lower(coalesce(current_setting('pgphase.force_per_record', true), ''))
                              IN ('on', 'true', '1', 'yes');
  v_write text;
  v_id bigint;
  v_in bigint;
  v_staged bigint;
  v_quarantined bigint;
  v_duplicates bigint;
  v_state text;
  v_message text;
  v_plan_mode text;
BEGIN
  IF p_source IS NULL OR p_source NOT IN ('games', 'moneylines', 'spreads', 'totals') THEN
    RAISE EXCEPTION 'staging.load_range: unknown source table %', p_source
      USING ERRCODE = '22023', HINT = 'Use games, moneylines, spreads or totals.';
  END IF;
  IF p_lo IS NULL OR p_hi IS NULL OR p_lo > p_hi THEN
    RAISE EXCEPTION 'staging.load_%: invalid key range [%, %]', p_source, p_lo, p_hi
      USING ERRCODE = '22023', HINT = 'Pass p_lo <= p_hi, both not null.';
  END IF;
  v_write := format('SELECT * FROM staging.%I($1, $2, $3)', 'write_' || p_source);

  IF NOT v_force THEN
    BEGIN
      EXECUTE v_write INTO rows_in, staged, quarantined, duplicates USING p_run_id, p_lo, p_hi;
      RETURN;
    EXCEPTION WHEN OTHERS THEN
      GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE;
      IF v_state ~ '^(08|40|53|57|58|XX)' OR v_state = '55P03' THEN
        RAISE;
      END IF;
    END;
  END IF;

  rows_in := 0;
  staged := 0;
  quarantined := 0;
  duplicates := 0;
  -- Every record's foreign-key check locks its game FOR KEY SHARE. Taken by a new savepoint
  -- each time, those locks turn into multixacts that grow by one member per record of the game
  -- (quadratic); taken once here, by the enclosing transaction, the later checks are no-ops.
  IF p_source <> 'games' THEN
    EXECUTE format('SELECT count(*) FROM (SELECT g.id FROM staging.games g
                     WHERE g.external_game_id IN (SELECT btrim(r.external_game_id) FROM raw.%I r WHERE r.id BETWEEN $1 AND $2)
                     ORDER BY g.id FOR KEY SHARE OF g) AS locked', p_source)
      USING p_lo, p_hi;
  END IF;
  -- One-id ranges all want the same plan: keep the generic one rather than planning the write
  -- statement again for every record (milliseconds each). Restored after the loop.
  v_plan_mode := current_setting('plan_cache_mode');
  PERFORM set_config('plan_cache_mode', 'force_generic_plan', true);
  FOR v_id IN EXECUTE format('SELECT id FROM raw.%I WHERE id BETWEEN $1 AND $2 ORDER BY id', p_source)
    USING p_lo, p_hi
  LOOP
    BEGIN
      EXECUTE v_write INTO v_in, v_staged, v_quarantined, v_duplicates USING p_run_id, v_id, v_id;
      rows_in := rows_in + v_in;
      staged := staged + v_staged;
      quarantined := quarantined + v_quarantined;
      duplicates := duplicates + v_duplicates;
    EXCEPTION WHEN OTHERS THEN
      GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_message = MESSAGE_TEXT;
      IF v_state ~ '^(08|40|53|57|58|XX)' OR v_state = '55P03' THEN
        RAISE;
      END IF;
      EXECUTE format('DELETE FROM staging.%I WHERE source_raw_id = $1', p_source) USING v_id;
      EXECUTE format($sql$
        INSERT INTO pgphase.quarantine AS q (source_table, source_id, reason_code, message, sqlstate, raw_row, run_id)
        SELECT $1, r.id, 'db_error', $2, $3,
               to_jsonb(r) || jsonb_build_object('ingested_at', to_char(r.ingested_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')),
               $4
          FROM raw.%I r WHERE r.id = $5
            ON CONFLICT (source_table, source_id) DO UPDATE
           SET reason_code = excluded.reason_code, message = excluded.message, sqlstate = excluded.sqlstate,
               raw_row = excluded.raw_row, run_id = excluded.run_id, attempts = q.attempts + 1, last_seen_at = now()
        $sql$, p_source) USING 'raw.' || p_source, v_message, v_state, p_run_id, v_id;
      rows_in := rows_in + 1;
      quarantined := quarantined + 1;
    END;
  END LOOP;
  PERFORM set_config('plan_cache_mode', v_plan_mode, true);

  -- Ids of the range that are no longer in raw leave staging and the quarantine too.
  EXECUTE format('DELETE FROM staging.%I s WHERE s.source_raw_id BETWEEN $1 AND $2
                   AND NOT EXISTS (SELECT 1 FROM raw.%I r WHERE r.id = s.source_raw_id)', p_source, p_source)
    USING p_lo, p_hi;
  EXECUTE format('DELETE FROM pgphase.quarantine q WHERE q.source_table = $3 AND q.source_id BETWEEN $1 AND $2
                   AND NOT EXISTS (SELECT 1 FROM raw.%I r WHERE r.id = q.source_id)', p_source)
    USING p_lo, p_hi, 'raw.' || p_source;
END
$$;
