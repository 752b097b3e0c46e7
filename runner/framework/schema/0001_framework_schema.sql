-- pgphase's own schema, installed and upgraded by pgphase before any application migration.
-- Files here are numbered and append-only; each runs in one transaction and is recorded in
-- pgphase.framework_schema. Application migrations never create or drop what is here.
COMMENT ON SCHEMA pgphase IS 'pgphase framework state: migration bookkeeping, ledger, controls, quarantine. Managed by pgphase itself; never dropped by an application''s down.';
