-- The class of a SQLSTATE, as the runner's table says (runner/sqlstates.ts; an exact code wins
-- over its two-character class; every code not listed is 'data'). The isolation driver
-- quarantines a record only for a 'data' error and re-raises every other one (transient ones for
-- the runner to retry, the rest to stop the partition). test/integration/isolationDriver.test.ts
-- checks that this list and the runner's table agree.
CREATE FUNCTION pgphase.sqlstate_class (p_sqlstate text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(
    (SELECT c.class FROM (VALUES
      ('40001', 'transient'), ('40P01', 'transient'), ('55P03', 'transient'), ('57P01', 'transient'),
      ('57P02', 'transient'), ('57P03', 'transient'), ('57P05', 'transient'), ('53300', 'transient'),
      ('57P04', 'configuration'), ('57014', 'smaller_batch'), ('53200', 'smaller_batch'), ('54000', 'smaller_batch'),
      ('42501', 'privilege'), ('25006', 'read_only'), ('3D000', 'configuration'), ('3F000', 'configuration'),
      ('42P01', 'configuration'), ('42703', 'configuration'), ('42883', 'configuration')
    ) AS c (code, class) WHERE c.code = p_sqlstate),
    (SELECT c.class FROM (VALUES
      ('08', 'transient'), ('53', 'configuration'), ('57', 'configuration'), ('58', 'configuration'),
      ('XX', 'configuration'), ('28', 'configuration')
    ) AS c (code, class) WHERE c.code = left(p_sqlstate, 2)),
    'data')
$$;
