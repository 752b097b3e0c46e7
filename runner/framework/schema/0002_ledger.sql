-- The runner's ledger: a run is a set of steps (one per source table of each phase, with the
-- source tables it must wait for), and each step is planned into partitions (key ranges) when it
-- becomes runnable. Partitions carry the cursor, the counts, the attempts and per-batch timings,
-- so that a run shared by several runner processes is reported from the ledger alone.
-- Counts are the generic phase contract, the same for every phase: rows_in (source rows read),
-- written (rows the phase wrote to its target), rejected (rows it quarantined), and extras, named
-- counters a phase adds (the odds staging phase: {"duplicates": n}, a part of rejected).
-- A database first migrated by pgphase 0.1 kept this ledger in the application's `pipeline`
-- schema; the application's migration 0009 moves that history here.
CREATE TABLE pgphase.runs (
  id bigserial PRIMARY KEY,
  phases TEXT[] NOT NULL,
  status text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'done', 'failed')),
  options jsonb NOT NULL DEFAULT '{}',
  report jsonb,
  created_by text,
  started_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz
);

CREATE TABLE pgphase.run_steps (
  id bigserial PRIMARY KEY,
  run_id bigint NOT NULL REFERENCES pgphase.runs (id) ON DELETE CASCADE,
  ordinal integer NOT NULL,
  phase text NOT NULL,
  source_table text NOT NULL,
  procedure text NOT NULL,
  key_column text NOT NULL,
  after_tables TEXT[] NOT NULL DEFAULT '{}',
  status text NOT NULL DEFAULT 'waiting' CHECK (
    status IN ('waiting', 'planned', 'done', 'failed', 'blocked')
  ),
  planned_at timestamptz,
  finished_at timestamptz,
  UNIQUE (run_id, source_table)
);

CREATE TABLE pgphase.partitions (
  id bigserial PRIMARY KEY,
  run_id bigint NOT NULL REFERENCES pgphase.runs (id) ON DELETE CASCADE,
  step_id bigint REFERENCES pgphase.run_steps (id) ON DELETE CASCADE,
  phase text NOT NULL,
  source_table text NOT NULL,
  lo bigint NOT NULL,
  hi bigint NOT NULL,
  next_key bigint NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (
    status IN ('pending', 'running', 'done', 'failed')
  ),
  attempts integer NOT NULL DEFAULT 0,
  rows_in bigint NOT NULL DEFAULT 0,
  written bigint NOT NULL DEFAULT 0,
  rejected bigint NOT NULL DEFAULT 0,
  extras jsonb NOT NULL DEFAULT '{}',
  batches integer NOT NULL DEFAULT 0,
  retries integer NOT NULL DEFAULT 0,
  batch_ms INTEGER[] NOT NULL DEFAULT '{}',
  batch_size integer,
  errors jsonb NOT NULL DEFAULT '{}',
  last_error text,
  last_sqlstate text,
  claimed_by text,
  claimed_at timestamptz,
  started_at timestamptz,
  finished_at timestamptz,
  CHECK (lo <= hi),
  UNIQUE (run_id, source_table, lo)
);

CREATE INDEX partitions_queue_idx ON pgphase.partitions (run_id, status);

CREATE INDEX partitions_step_idx ON pgphase.partitions (step_id, status);

COMMENT ON TABLE pgphase.runs IS 'pgphase ledger: one row per run (or quarantine replay), with its report.';

COMMENT ON TABLE pgphase.run_steps IS 'pgphase ledger: one row per source table of each phase of a run.';

COMMENT ON TABLE pgphase.partitions IS 'pgphase ledger: the key ranges of a step, their cursor, counts (rows_in, written, rejected, extras) and batch timings.';
