-- Legacy schema of the odds warehouse, as it stood when the optimisation plan was written
-- (../shared/seed/migration-optimization-plan.md). It keeps the plan's defect on purpose:
-- data_quality_score is numeric(3,2), so any score of 10 or more overflows (SQLSTATE 22003).
-- Migration 0002 widens it; the history is reproduced so that upgrades are tested as they ran.
--
-- raw:      exactly as scraped; every value column is text so that bad input reaches the
--           database and is judged there.
-- staging:  typed, validated rows, one per accepted raw row (source_raw_id).
-- curated:  ML features (filled by the curated phase).
-- pipeline: the runner's ledger: runs and their partitions (key ranges).
-- Up Migration
-- squawk-ignore-file prefer-identity, prefer-bigint-over-int, require-concurrent-index-creation -- the legacy schema as the plan found it, created empty
CREATE SCHEMA raw;

CREATE SCHEMA staging;

CREATE SCHEMA curated;

CREATE SCHEMA pipeline;

CREATE TABLE raw.games (
  id bigserial PRIMARY KEY,
  external_game_id text,
  home_team text,
  away_team text,
  game_start text,
  ingested_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE raw.moneylines (
  id bigserial PRIMARY KEY,
  external_game_id text,
  sportsbook text,
  home_odds text,
  away_odds text,
  captured_at text,
  ingested_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE raw.spreads (
  id bigserial PRIMARY KEY,
  external_game_id text,
  sportsbook text,
  home_line text,
  home_odds text,
  away_line text,
  away_odds text,
  captured_at text,
  ingested_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE raw.totals (
  id bigserial PRIMARY KEY,
  external_game_id text,
  sportsbook text,
  total_line text,
  over_odds text,
  under_odds text,
  captured_at text,
  ingested_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE staging.games (
  id bigserial PRIMARY KEY,
  source_raw_id bigint NOT NULL UNIQUE,
  external_game_id text NOT NULL UNIQUE,
  home_team text NOT NULL,
  away_team text NOT NULL,
  game_start timestamptz NOT NULL,
  data_quality_score numeric(3, 2),
  validation_status text NOT NULL DEFAULT 'validated' CHECK (validation_status IN ('validated', 'warning')),
  run_id bigint,
  processed_at timestamptz NOT NULL DEFAULT now(),
  CHECK (home_team <> away_team)
);

CREATE TABLE staging.moneylines (
  id bigserial PRIMARY KEY,
  source_raw_id bigint NOT NULL UNIQUE,
  game_id bigint NOT NULL REFERENCES staging.games (id) ON DELETE CASCADE,
  sportsbook text NOT NULL,
  home_odds integer NOT NULL,
  away_odds integer NOT NULL,
  captured_at timestamptz NOT NULL,
  is_live boolean NOT NULL DEFAULT FALSE,
  data_quality_score numeric(3, 2),
  validation_status text NOT NULL DEFAULT 'validated' CHECK (validation_status IN ('validated', 'warning')),
  run_id bigint,
  processed_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE staging.spreads (
  id bigserial PRIMARY KEY,
  source_raw_id bigint NOT NULL UNIQUE,
  game_id bigint NOT NULL REFERENCES staging.games (id) ON DELETE CASCADE,
  sportsbook text NOT NULL,
  home_line numeric(4, 1) NOT NULL,
  home_odds integer NOT NULL,
  away_line numeric(4, 1) NOT NULL,
  away_odds integer NOT NULL,
  captured_at timestamptz NOT NULL,
  is_live boolean NOT NULL DEFAULT FALSE,
  data_quality_score numeric(3, 2),
  validation_status text NOT NULL DEFAULT 'validated' CHECK (validation_status IN ('validated', 'warning')),
  run_id bigint,
  processed_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE staging.totals (
  id bigserial PRIMARY KEY,
  source_raw_id bigint NOT NULL UNIQUE,
  game_id bigint NOT NULL REFERENCES staging.games (id) ON DELETE CASCADE,
  sportsbook text NOT NULL,
  total_line numeric(4, 1) NOT NULL,
  over_odds integer NOT NULL,
  under_odds integer NOT NULL,
  captured_at timestamptz NOT NULL,
  is_live boolean NOT NULL DEFAULT FALSE,
  data_quality_score numeric(3, 2),
  validation_status text NOT NULL DEFAULT 'validated' CHECK (validation_status IN ('validated', 'warning')),
  run_id bigint,
  processed_at timestamptz NOT NULL DEFAULT now()
);

-- One row per rejected raw row (unique on source), so that for any key range
-- raw rows = staged rows + quarantined rows holds and can be counted.
CREATE TABLE staging.quarantine (
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

CREATE INDEX quarantine_reason_idx ON staging.quarantine (reason_code);

CREATE TABLE pipeline.runs (
  id bigserial PRIMARY KEY,
  phases TEXT[] NOT NULL,
  status text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'done', 'failed')),
  options jsonb NOT NULL DEFAULT '{}',
  report jsonb,
  started_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz
);

CREATE TABLE pipeline.partitions (
  id bigserial PRIMARY KEY,
  run_id bigint NOT NULL REFERENCES pipeline.runs (id) ON DELETE CASCADE,
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
  staged bigint NOT NULL DEFAULT 0,
  quarantined bigint NOT NULL DEFAULT 0,
  duplicates bigint NOT NULL DEFAULT 0,
  last_error text,
  last_sqlstate text,
  claimed_by text,
  claimed_at timestamptz,
  finished_at timestamptz,
  CHECK (lo <= hi),
  UNIQUE (run_id, source_table, lo)
);

CREATE INDEX partitions_queue_idx ON pipeline.partitions (run_id, status);

-- Down Migration
DROP SCHEMA pipeline CASCADE;

DROP SCHEMA curated CASCADE;

DROP SCHEMA staging CASCADE;

DROP SCHEMA raw CASCADE;
