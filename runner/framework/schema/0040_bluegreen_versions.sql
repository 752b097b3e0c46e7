-- Blue-green phases (runner/bluegreen/): every build of a blue-green phase's output tables is a
-- version. The live version's tables sit in the phase's output schema (e.g. curated), where
-- readers read them; every other version's tables are parked in a schema of their own,
-- <output schema>__run<run id> (or <output schema>__initial for the tables that were live before
-- the first promote). Promote and rollback move tables between those schemas (ALTER TABLE ...
-- SET SCHEMA, metadata only) in one short transaction and update the states here in the same
-- transaction. No foreign keys to application tables: run_id is the ledger's run id.
--   state     building   a run is writing into the shadow (parked) tables
--             verified   the build finished and every check passed: promote may expose it
--             failed     the build finished but a check failed (checks says which); never promoted
--             live       readers read it (at most one per phase)
--             previous   the version live before the current one: `rollback` swaps it back
--             retired    older than previous, or rolled back from; kept parked until `prune`
--             dropped    its tables were dropped (prune, or replaced by a newer build)
CREATE TABLE pgphase.bluegreen_versions (
  id bigserial PRIMARY KEY,
  phase text NOT NULL,
  run_id bigint,
  state text NOT NULL CHECK (
    state IN (
      'building',
      'verified',
      'failed',
      'live',
      'previous',
      'retired',
      'dropped'
    )
  ),
  output_schema name NOT NULL,
  parked_schema name NOT NULL,
  tables TEXT[] NOT NULL,
  checks jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  verified_at timestamptz,
  promoted_at timestamptz,
  retired_at timestamptz,
  dropped_at timestamptz,
  UNIQUE (phase, run_id)
);

CREATE UNIQUE INDEX bluegreen_versions_one_live ON pgphase.bluegreen_versions (phase)
WHERE
  state = 'live';

CREATE UNIQUE INDEX bluegreen_versions_one_previous ON pgphase.bluegreen_versions (phase)
WHERE
  state = 'previous';

CREATE UNIQUE INDEX bluegreen_versions_one_pending ON pgphase.bluegreen_versions (phase)
WHERE
  state IN ('building', 'verified', 'failed');

CREATE UNIQUE INDEX bluegreen_versions_parked_schema ON pgphase.bluegreen_versions (parked_schema)
WHERE
  state <> 'dropped';

COMMENT ON TABLE pgphase.bluegreen_versions IS 'Versions of blue-green phases'' output tables: which is live, the previous one, a pending shadow build (see runner/bluegreen/).';
