-- The ledger and the quarantine move into pgphase's own schema (issue 11).
--
-- pgphase 0.1 kept the runner's ledger (pipeline.runs, run_steps, partitions; migrations 0001 and
-- 0007) and the quarantine (staging.quarantine, 0001) in this application's schemas, so that
-- reverting the application dropped the framework's state. pgphase now installs them itself, as
-- pgphase.runs, run_steps, partitions and quarantine, before any application migration runs
-- (runner/framework/schema/0002..0004), and the application's `down` never touches them.
--
-- Migrations 0001 and 0007 are applied files and append-only, so on a fresh database they still
-- create the old tables. This migration is where the application lets go of them:
--   up    copies what they hold into pgphase's tables (a database migrated by pgphase 0.1 keeps
--         its run history and its quarantine: ids are kept and the sequences moved past them; a
--         row already there is left as it is), then drops the old tables, and grants the runner
--         role of migration 0008 what it needs in schema pgphase (pgphase.grant_runner).
--         The counts map onto the generic contract (in the partitions and in the stored run
--         reports): staged -> written, quarantined -> rejected, duplicates -> extras.duplicates.
--   down  revokes that grant and creates the old tables again, empty, with the shape 0001 and
--         0007 gave them, so that the earlier migrations' own downs run as written. The history
--         stays in pgphase: it is the framework's, and it is never dropped.
-- The copy is done here rather than in a framework file because a framework file must not name
-- an application's tables (on a fresh database it runs before they exist).
-- Up Migration
-- squawk-ignore-file ban-drop-table -- drops only the legacy ledger copies, after moving their rows to schema pgphase
INSERT INTO
  pgphase.runs (
    id,
    phases,
    status,
    options,
    report,
    created_by,
    started_at,
    finished_at
  )
SELECT
  id,
  phases,
  status,
  options,
  report,
  created_by,
  started_at,
  finished_at
FROM
  pipeline.runs
ON CONFLICT (id) DO NOTHING;

INSERT INTO
  pgphase.run_steps (
    id,
    run_id,
    ordinal,
    phase,
    source_table,
    procedure,
    key_column,
    after_tables,
    status,
    planned_at,
    finished_at
  )
SELECT
  id,
  run_id,
  ordinal,
  phase,
  source_table,
  procedure,
  key_column,
  after_tables,
  status,
  planned_at,
  finished_at
FROM
  pipeline.run_steps
ON CONFLICT (id) DO NOTHING;

INSERT INTO
  pgphase.partitions (
    id,
    run_id,
    step_id,
    phase,
    source_table,
    lo,
    hi,
    next_key,
    status,
    attempts,
    rows_in,
    written,
    rejected,
    extras,
    batches,
    retries,
    batch_ms,
    batch_size,
    errors,
    last_error,
    last_sqlstate,
    claimed_by,
    claimed_at,
    started_at,
    finished_at
  )
SELECT
  id,
  run_id,
  step_id,
  phase,
  source_table,
  lo,
  hi,
  next_key,
  status,
  attempts,
  rows_in,
  staged,
  quarantined,
  CASE
    WHEN duplicates > 0 THEN jsonb_build_object('duplicates', duplicates)
    ELSE '{}'
  END,
  batches,
  retries,
  batch_ms,
  batch_size,
  errors,
  last_error,
  last_sqlstate,
  claimed_by,
  claimed_at,
  started_at,
  finished_at
FROM
  pipeline.partitions
ON CONFLICT (id) DO NOTHING;

-- Stored run reports speak the same contract (what `pgphase status` shows of an old run).
UPDATE pgphase.runs r
SET
  report = jsonb_set(
    r.report,
    '{phases}',
    (
      SELECT
        jsonb_agg(
          (e.p - 'staged' - 'quarantined' - 'duplicates') || jsonb_build_object(
            'written',
            e.p -> 'staged',
            'rejected',
            e.p -> 'quarantined',
            'extras',
            CASE
              WHEN e.p ? 'duplicates' THEN jsonb_build_object('duplicates', e.p -> 'duplicates')
              ELSE '{}'
            END
          )
          ORDER BY
            e.n
        )
      FROM
        jsonb_array_elements(r.report -> 'phases') WITH ORDINALITY AS e (p, n)
    )
  )
WHERE
  r.id IN (
    SELECT
      id
    FROM
      pipeline.runs
  )
  AND jsonb_typeof(r.report -> 'phases') = 'array'
  AND jsonb_array_length(r.report -> 'phases') > 0;

INSERT INTO
  pgphase.quarantine (
    id,
    source_table,
    source_id,
    reason_code,
    message,
    sqlstate,
    raw_row,
    attempts,
    run_id,
    first_seen_at,
    last_seen_at
  )
SELECT
  id,
  source_table,
  source_id,
  reason_code,
  message,
  sqlstate,
  raw_row,
  attempts,
  run_id,
  first_seen_at,
  last_seen_at
FROM
  staging.quarantine
ON CONFLICT DO NOTHING;

SELECT
  setval('pgphase.runs_id_seq', max(id))
FROM
  pgphase.runs
HAVING
  max(id) IS NOT NULL;

SELECT
  setval('pgphase.run_steps_id_seq', max(id))
FROM
  pgphase.run_steps
HAVING
  max(id) IS NOT NULL;

SELECT
  setval('pgphase.partitions_id_seq', max(id))
FROM
  pgphase.partitions
HAVING
  max(id) IS NOT NULL;

SELECT
  setval('pgphase.quarantine_id_seq', max(id))
FROM
  pgphase.quarantine
HAVING
  max(id) IS NOT NULL;

DROP TABLE pipeline.partitions;

DROP TABLE pipeline.run_steps;

DROP TABLE pipeline.runs;

DROP TABLE staging.quarantine;

-- The runner role gets what it needs in pgphase. Where 0008 could not set the roles up (a login
-- without CREATEROLE), its statements wait in pipeline.security_pending for an administrator:
-- those naming the tables dropped above are taken out of them, and the grant is queued ahead of
-- the list's last statement, which empties it.
DO $$
DECLARE
  v_runner text := (SELECT role_name FROM pipeline.security_roles WHERE purpose = 'runner');
  v_moved constant text := '(pipeline\.(runs|run_steps|partitions)(_id_seq)?|staging\.quarantine(_id_seq)?)';
BEGIN
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = v_runner) AND NOT EXISTS (SELECT FROM pipeline.security_pending) THEN
    PERFORM pgphase.grant_runner (v_runner);
  ELSE
    DELETE FROM pipeline.security_pending
     WHERE statement ~ ('^(ALTER \w+( \w+)? ' || v_moved || ' OWNER|GRANT [A-Z, ]+ ON ' || v_moved || ',\s*' || v_moved || ',\s*' || v_moved || ' TO)');
    UPDATE pipeline.security_pending
       SET statement = regexp_replace(regexp_replace(statement, '\m' || v_moved || ',\s*', '', 'g'), ',\s*' || v_moved || '\M', '', 'g')
     WHERE statement ~ ('\m' || v_moved || '\M');
    UPDATE pipeline.security_pending SET position = position + 1 WHERE statement = 'DELETE FROM pipeline.security_pending';
    INSERT INTO pipeline.security_pending (position, statement)
    SELECT coalesce(max(position), 0) + 1, format('SELECT pgphase.grant_runner(%L)', v_runner)
      FROM pipeline.security_pending WHERE statement <> 'DELETE FROM pipeline.security_pending';
  END IF;
END
$$;

-- The staging phase's own writers, replaced by pgphase's generic driver (pgphase.isolate); their
-- files are gone, so nothing re-applies them. (On a fresh database they do not exist yet.)
DROP FUNCTION IF EXISTS staging.write_games (bigint, bigint, bigint);

DROP FUNCTION IF EXISTS staging.write_moneylines (bigint, bigint, bigint);

DROP FUNCTION IF EXISTS staging.write_spreads (bigint, bigint, bigint);

DROP FUNCTION IF EXISTS staging.write_totals (bigint, bigint, bigint);

DROP PROCEDURE IF EXISTS staging.load_range (
  text,
  bigint,
  bigint,
  bigint,
  bigint,
  bigint,
  bigint,
  bigint
);

-- The phase procedures' counts change type (the generic contract ends in extras jsonb), which is a
-- new signature: the old ones go, and `migrate` applies the procedure files again after this.
DROP PROCEDURE IF EXISTS staging.load_games (
  bigint,
  bigint,
  bigint,
  bigint,
  bigint,
  bigint,
  bigint
);

DROP PROCEDURE IF EXISTS staging.load_moneylines (
  bigint,
  bigint,
  bigint,
  bigint,
  bigint,
  bigint,
  bigint
);

DROP PROCEDURE IF EXISTS staging.load_spreads (
  bigint,
  bigint,
  bigint,
  bigint,
  bigint,
  bigint,
  bigint
);

DROP PROCEDURE IF EXISTS staging.load_totals (
  bigint,
  bigint,
  bigint,
  bigint,
  bigint,
  bigint,
  bigint
);

DROP PROCEDURE IF EXISTS curated.build_features (
  bigint,
  bigint,
  bigint,
  bigint,
  bigint,
  bigint,
  bigint
);

-- Down Migration
SELECT
  pgphase.revoke_runner (role_name)
FROM
  pipeline.security_roles
WHERE
  purpose = 'runner';

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
  finished_at timestamptz,
  created_by text
);

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
  step_id bigint REFERENCES pipeline.run_steps (id) ON DELETE CASCADE,
  batches integer NOT NULL DEFAULT 0,
  retries integer NOT NULL DEFAULT 0,
  batch_ms INTEGER[] NOT NULL DEFAULT '{}',
  batch_size integer,
  errors jsonb NOT NULL DEFAULT '{}',
  started_at timestamptz,
  CHECK (lo <= hi),
  UNIQUE (run_id, source_table, lo)
);

CREATE INDEX partitions_queue_idx ON pipeline.partitions (run_id, status);

CREATE INDEX partitions_step_idx ON pipeline.partitions (step_id, status);
