-- The generic quarantine: one row per rejected source row (unique on source), never dropped, so
-- that for any key range source rows = written rows + quarantined rows holds and can be counted.
-- reason_code is stable (a phase's own codes, or db_error for an error its classification did
-- not foresee, with the SQLSTATE); raw_row is the source row as jsonb. `pgphase quarantine
-- replay` runs the rows through their step again. A database first migrated by pgphase 0.1 kept
-- it as staging.quarantine; the application's migration 0009 moves those rows here.
CREATE TABLE pgphase.quarantine (
  id bigserial PRIMARY KEY,
  source_table text NOT NULL,
  source_id bigint NOT NULL,
  reason_code text NOT NULL,
  message text,
  sqlstate text,
  raw_row jsonb NOT NULL,
  attempts integer NOT NULL DEFAULT 1,
  run_id bigint,
  first_seen_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (source_table, source_id)
);

CREATE INDEX quarantine_reason_idx ON pgphase.quarantine (reason_code);

COMMENT ON TABLE pgphase.quarantine IS 'pgphase quarantine: every source row a phase rejected, with its reason, SQLSTATE and the row as jsonb.';
