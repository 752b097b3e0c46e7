-- pgphase:replaces-checksum 6ea9e56048eecaf9a02cf0cf3cccf47598b1c9d08dd3d45a969ccf6bcd155cae
-- Least privilege (issue 7): two NOLOGIN roles that login roles are made members of.
--
--   pgphase_migrator  owns the schemas raw, staging, curated and pipeline and everything in
--                     them. A deploy job that migrates logs in as a member of it; run
--                     `pgphase migrate` with PGOPTIONS='-c role=pgphase_migrator' so that objects
--                     created later (new migrations, new procedure files) belong to it too.
--   pgphase_runner    what `pgphase run` and `pgphase quarantine` need, and nothing more:
--                     USAGE on the four schemas; SELECT on raw.games/moneylines/spreads/totals and
--                     on the reference tables (staging.sportsbooks, staging.sportsbook_aliases,
--                     curated.settings, curated.sportsbook_tiers); SELECT, INSERT, UPDATE, DELETE
--                     on the phase outputs (staging.games/moneylines/spreads/totals/quarantine and
--                     curated's six feature tables, because the phase procedures are SECURITY
--                     INVOKER); SELECT, INSERT, UPDATE on the ledger (pipeline.runs, run_steps,
--                     partitions) and USAGE on the sequences behind those tables. EXECUTE on
--                     the phase procedures comes from PostgreSQL's default grant to PUBLIC. No
--                     TRUNCATE, REFERENCES, TRIGGER, CREATE, no ownership: it cannot DROP or
--                     ALTER a table, write raw, or read schema pgphase or public.
--     Tables added by later migrations are not granted automatically: grant them there.
--     `pgphase run` ANALYZEs each source table before planning it; a non-owner's ANALYZE is
--     skipped with a warning (planning then uses older statistics). On PostgreSQL 17+,
--     `GRANT MAINTAIN ON raw.games, raw.moneylines, raw.spreads, raw.totals, staging.games TO
--     pgphase_runner` lets it refresh them, at the price of also allowing VACUUM and LOCK TABLE.
--
-- Other names: the settings pgphase.migrator_role and pgphase.runner_role, read when this
-- migration runs (it cannot take psql variables), replace the defaults, e.g.
--   ALTER DATABASE odds SET pgphase.runner_role = 'etl_runner';   -- before `pgphase migrate`
--   PGOPTIONS='-c pgphase.runner_role=etl_runner' pgphase migrate
-- The names used are recorded in pipeline.security_roles.
--
-- Roles are cluster-wide and many databases of one server may run this migration at once (the
-- test suite does): a role is created only when missing, a concurrent creation is tolerated,
-- and pipeline.security_roles records whether this database created it. Down revokes what up
-- granted here, gives every object back to the owner recorded in pipeline.security_owners, and
-- drops a role only if this database created it and no other database still uses it.
-- Apply it as a superuser, or as a role with CREATEROLE that may SET ROLE to both roles.
--
-- Without superuser (issue 10): a login that owns its database but may not create roles (what
-- managed services often give an application) still completes this migration: nothing of the
-- above is done, the roles are recorded with created_here = false, and every statement that would
-- have run is stored in order in pipeline.security_pending; `pgphase status` and `pgphase doctor`
-- print them for an administrator, whose script ends by emptying that table. Nothing is
-- half-applied: either all of it runs here, or none of it. (This paragraph and that branch were
-- added after 0008 was first released; the header line `pgphase:replaces-checksum` lets databases
-- that applied the first version accept this one: on them the roles could be created, so the new
-- branch never ran and what they applied is what this file does for them.)
--
-- SECURITY DEFINER: not needed while the runner holds the DML grants above. To take writes on
-- staging and curated away from the runner, each entry procedure's file (staging_load_games,
-- _moneylines, _spreads, _totals, curated_build_features) must carry, between its parameter
-- list and AS:  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
-- (every name in them is schema-qualified), the procedures must be owned by pgphase_migrator
-- (see above), and a later migration then revokes INSERT, UPDATE, DELETE on those tables from
-- the runner and EXECUTE on those procedures from PUBLIC, granting it to the runner. Mind that
-- on a fresh database the procedures are created after this migration by the role running
-- `pgphase migrate`: a SECURITY DEFINER procedure owned by a superuser runs as one, so apply them
-- as pgphase_migrator (PGOPTIONS above) before making any of them SECURITY DEFINER.
-- Up Migration
CREATE TABLE pipeline.security_roles (
  purpose text PRIMARY KEY CHECK (purpose IN ('migrator', 'runner')),
  role_name name NOT NULL,
  created_here boolean NOT NULL
);

COMMENT ON TABLE pipeline.security_roles IS 'The roles migration 0008 set up in this database, and whether it created them (see migrations/0008_roles.sql).';

CREATE TABLE pipeline.security_owners (
  object_kind text NOT NULL CHECK (
    object_kind IN (
      'SCHEMA',
      'TABLE',
      'VIEW',
      'MATERIALIZED VIEW',
      'FOREIGN TABLE',
      'SEQUENCE',
      'ROUTINE',
      'TYPE',
      'DOMAIN'
    )
  ),
  object_identity text NOT NULL,
  previous_owner name NOT NULL,
  PRIMARY KEY (object_kind, object_identity)
);

COMMENT ON TABLE pipeline.security_owners IS 'Who owned each object before migration 0008 gave it to the migrator role; its down migration gives it back.';

-- squawk-ignore prefer-bigint-over-int -- position numbers a handful of statements
CREATE TABLE pipeline.security_pending (position int PRIMARY KEY, statement text NOT NULL);

COMMENT ON TABLE pipeline.security_pending IS 'Statements of migration 0008 an administrator must run because the migrating login could not create roles (printed by pgphase status and doctor).';

DO $$
DECLARE
  v_migrator constant text := coalesce(nullif(current_setting('pgphase.migrator_role', true), ''), 'pgphase_migrator');
  v_runner constant text := coalesce(nullif(current_setting('pgphase.runner_role', true), ''), 'pgphase_runner');
  v_can boolean;
  v_purpose text;
  v_role text;
  v_created boolean;
  v_object record;
  v_statements text[] := '{}';
  v_statement text;
BEGIN
  IF v_migrator = v_runner THEN
    RAISE EXCEPTION 'pgphase.migrator_role and pgphase.runner_role are both %', v_runner
      USING ERRCODE = '22023', HINT = 'The runner must not own the schemas: give the two roles different names.';
  END IF;
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = v_runner AND (rolsuper OR rolbypassrls OR rolcreaterole OR rolcreatedb)) THEN
    RAISE EXCEPTION 'the runner role % already exists with superuser, BYPASSRLS, CREATEROLE or CREATEDB', v_runner
      USING ERRCODE = '42501', HINT = 'Set pgphase.runner_role to a role without those attributes.';
  END IF;

  -- Can this login set the roles up? A superuser or a CREATEROLE login can; so can one that is
  -- already a member of the migrator role when both roles exist.
  SELECT r.rolsuper OR r.rolcreaterole INTO v_can FROM pg_roles r WHERE r.rolname = current_user;
  v_can := coalesce(v_can, false)
    OR (EXISTS (SELECT FROM pg_roles WHERE rolname = v_runner)
        AND EXISTS (SELECT FROM pg_roles WHERE rolname = v_migrator)
        AND pg_has_role(current_user, v_migrator, 'MEMBER'));

  FOR v_purpose, v_role IN SELECT * FROM (VALUES ('migrator', v_migrator), ('runner', v_runner)) AS r (purpose, name) LOOP
    v_created := false;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = v_role) THEN
      IF v_can THEN
        BEGIN
          EXECUTE format('CREATE ROLE %I NOLOGIN', v_role);
          v_created := true;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
          NULL; -- another database's migration created it at the same moment
        END;
      ELSE
        v_statements := v_statements || format('CREATE ROLE %I NOLOGIN', v_role);
      END IF;
    END IF;
    INSERT INTO pipeline.security_roles (purpose, role_name, created_here) VALUES (v_purpose, v_role, v_created);
  END LOOP;
  IF NOT v_can THEN
    v_statements := v_statements || format('GRANT %I TO %I', v_migrator, current_user);
  END IF;

  -- Ownership: the schemas, then every object in them that has an owner of its own (sequences
  -- of serial and identity columns, array types and table row types follow their table).
  FOR v_object IN
    SELECT 'SCHEMA' AS kind, quote_ident(n.nspname) AS identity, pg_get_userbyid(n.nspowner) AS owner
      FROM pg_namespace n WHERE n.nspname IN ('raw', 'staging', 'curated', 'pipeline')
    UNION ALL
    SELECT CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'f' THEN 'FOREIGN TABLE'
                          WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END,
           format('%I.%I', n.nspname, c.relname), pg_get_userbyid(c.relowner)
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname IN ('raw', 'staging', 'curated', 'pipeline') AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
       AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('a', 'i'))
    UNION ALL
    SELECT 'ROUTINE', (pg_identify_object('pg_proc'::regclass, p.oid, 0)).identity, pg_get_userbyid(p.proowner)
      FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
     WHERE n.nspname IN ('raw', 'staging', 'curated', 'pipeline')
    UNION ALL
    SELECT CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END, format('%I.%I', n.nspname, t.typname), pg_get_userbyid(t.typowner)
      FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
     WHERE n.nspname IN ('raw', 'staging', 'curated', 'pipeline')
       AND (t.typtype IN ('d', 'e', 'r', 'm') OR (t.typtype = 'c' AND (SELECT c.relkind FROM pg_class c WHERE c.oid = t.typrelid) = 'c'))
  LOOP
    IF v_object.owner <> v_migrator THEN
      INSERT INTO pipeline.security_owners (object_kind, object_identity, previous_owner) VALUES (v_object.kind, v_object.identity, v_object.owner);
      v_statements := v_statements || format('ALTER %s %s OWNER TO %I', v_object.kind, v_object.identity, v_migrator);
    END IF;
  END LOOP;

  -- The runner.
  v_statements := v_statements || ARRAY[
    format('GRANT USAGE ON SCHEMA raw, staging, curated, pipeline TO %I', v_runner),
    format('GRANT SELECT ON raw.games, raw.moneylines, raw.spreads, raw.totals,
                  staging.sportsbooks, staging.sportsbook_aliases, curated.settings, curated.sportsbook_tiers TO %I', v_runner),
    format('GRANT SELECT, INSERT, UPDATE, DELETE ON staging.games, staging.moneylines, staging.spreads, staging.totals,
                  staging.quarantine, curated.market_snapshots, curated.book_market_features, curated.market_consensus,
                  curated.steam_moves, curated.game_market_features, curated.game_features TO %I', v_runner),
    format('GRANT SELECT, INSERT, UPDATE ON pipeline.runs, pipeline.run_steps, pipeline.partitions TO %I', v_runner),
    format('GRANT USAGE ON SEQUENCE staging.games_id_seq, staging.moneylines_id_seq, staging.spreads_id_seq,
                  staging.totals_id_seq, staging.quarantine_id_seq, pipeline.runs_id_seq, pipeline.run_steps_id_seq,
                  pipeline.partitions_id_seq TO %I', v_runner)];

  IF v_can THEN
    FOREACH v_statement IN ARRAY v_statements LOOP
      EXECUTE v_statement;
    END LOOP;
  ELSE
    -- All or nothing: the whole list waits for an administrator, whose script ends by emptying it.
    v_statements := v_statements || 'DELETE FROM pipeline.security_pending'::text;
    INSERT INTO pipeline.security_pending (position, statement)
      SELECT i, s FROM unnest(v_statements) WITH ORDINALITY AS u (s, i);
  END IF;
END
$$;

-- Down Migration
DO $$
DECLARE
  v_migrator text;
  v_runner text;
  v_object record;
  v_created text[];
  v_role text;
BEGIN
  SELECT role_name INTO v_migrator FROM pipeline.security_roles WHERE purpose = 'migrator';
  SELECT role_name INTO v_runner FROM pipeline.security_roles WHERE purpose = 'runner';
  SELECT coalesce(array_agg(role_name ORDER BY purpose DESC), '{}') INTO v_created FROM pipeline.security_roles WHERE created_here;

  IF v_runner IS NOT NULL AND EXISTS (SELECT FROM pg_roles WHERE rolname = v_runner) THEN
    EXECUTE format('REVOKE USAGE ON SEQUENCE staging.games_id_seq, staging.moneylines_id_seq, staging.spreads_id_seq,
                    staging.totals_id_seq, staging.quarantine_id_seq, pipeline.runs_id_seq, pipeline.run_steps_id_seq,
                    pipeline.partitions_id_seq FROM %I', v_runner);
    EXECUTE format('REVOKE SELECT, INSERT, UPDATE ON pipeline.runs, pipeline.run_steps, pipeline.partitions FROM %I', v_runner);
    EXECUTE format('REVOKE SELECT, INSERT, UPDATE, DELETE ON staging.games, staging.moneylines, staging.spreads, staging.totals,
                    staging.quarantine, curated.market_snapshots, curated.book_market_features, curated.market_consensus,
                    curated.steam_moves, curated.game_market_features, curated.game_features FROM %I', v_runner);
    EXECUTE format('REVOKE SELECT ON raw.games, raw.moneylines, raw.spreads, raw.totals,
                    staging.sportsbooks, staging.sportsbook_aliases, curated.settings, curated.sportsbook_tiers FROM %I', v_runner);
    EXECUTE format('REVOKE USAGE ON SCHEMA raw, staging, curated, pipeline FROM %I', v_runner);
  END IF;

  -- Objects go back to their previous owners (those still owned by the migrator role and whose
  -- previous owner still exists); schemas last, so that their objects are reached first.
  FOR v_object IN
    SELECT o.* FROM pipeline.security_owners o
     WHERE EXISTS (SELECT FROM pg_roles WHERE rolname = o.previous_owner)
       AND o.object_identity NOT IN ('pipeline.security_owners', 'pipeline.security_roles') -- dropped below
     ORDER BY o.object_kind = 'SCHEMA', o.object_kind, o.object_identity
  LOOP
    BEGIN
      EXECUTE format('ALTER %s %s OWNER TO %I', v_object.object_kind, v_object.object_identity, v_object.previous_owner);
    EXCEPTION WHEN undefined_table OR undefined_function OR undefined_object OR invalid_schema_name THEN
      NULL; -- dropped since
    END;
  END LOOP;

  DROP TABLE pipeline.security_owners;
  DROP TABLE pipeline.security_roles;
  DROP TABLE IF EXISTS pipeline.security_pending;

  -- A role is dropped only if this database created it and nothing in any database still uses it.
  FOREACH v_role IN ARRAY v_created LOOP
    BEGIN
      EXECUTE format('DROP ROLE IF EXISTS %I', v_role);
    EXCEPTION WHEN dependent_objects_still_exist OR object_in_use OR lock_not_available THEN
      RAISE NOTICE 'role % is kept: %', v_role, SQLERRM;
    END;
  END LOOP;
END
$$;
