-- The runner's ledger, completed: a run is a set of steps (one per source table of each phase,
-- with the tables it must wait for), and each step is planned into partitions when it becomes
-- runnable (a step over staging.games can only be planned once staging.games is filled).
-- Partitions record per-batch timings and errors, so that a run shared by several runner
-- processes can still report p50/p95 batch times and errors by SQLSTATE from the ledger alone.
-- Up Migration
-- squawk-ignore-file prefer-identity, prefer-bigint-over-int, adding-foreign-key-constraint, require-concurrent-index-creation -- ledger tables created empty here
CREATE TABLE pipeline.run_steps (
  id bigserial PRIMARY KEY,
  run_id bigint NOT NULL REFERENCES pipeline.runs (id) ON DELETE CASCADE,
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

ALTER TABLE pipeline.partitions
ADD COLUMN step_id bigint REFERENCES pipeline.run_steps (id) ON DELETE CASCADE,
ADD COLUMN batches integer NOT NULL DEFAULT 0,
ADD COLUMN retries integer NOT NULL DEFAULT 0,
ADD COLUMN batch_ms INTEGER[] NOT NULL DEFAULT '{}',
ADD COLUMN batch_size integer,
ADD COLUMN errors jsonb NOT NULL DEFAULT '{}',
ADD COLUMN started_at timestamptz;

CREATE INDEX partitions_step_idx ON pipeline.partitions (step_id, status);

ALTER TABLE pipeline.runs
ADD COLUMN created_by text;

-- Down Migration
ALTER TABLE pipeline.runs
DROP COLUMN created_by;

DROP INDEX pipeline.partitions_step_idx;

ALTER TABLE pipeline.partitions
DROP COLUMN step_id,
DROP COLUMN batches,
DROP COLUMN retries,
DROP COLUMN batch_ms,
DROP COLUMN batch_size,
DROP COLUMN errors,
DROP COLUMN started_at;

DROP TABLE pipeline.run_steps;
