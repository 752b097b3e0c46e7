/**
 * What a swap of output tables would break, checked before a blue-green build starts: views and
 * materialized views over them (a view follows its table's OID into the parked schema and would
 * keep showing the old version), foreign keys from tables that are not outputs (they would keep
 * pointing at the old version), and triggers or row-level security policies (not copied to the
 * shadow). Each is refused with an error naming the objects.
 */
import type pg from 'pg';
import { EXIT, PgphaseError, UsageError } from '../errors.js';
import type { BlueGreenTarget } from './names.js';

/** The output tables as regclass OIDs; a missing or non-plain table is a usage error. */
export async function outputOids(client: pg.ClientBase, target: BlueGreenTarget, schema = target.schema): Promise<string[]> {
  const { rows } = await client.query<{ name: string; oid: string | null; kind: string | null }>(
    `SELECT t.name, c.oid::text AS oid, c.relkind::text AS kind
       FROM unnest($2::text[]) WITH ORDINALITY AS t (name, n)
       LEFT JOIN pg_class c ON c.relname = t.name AND c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1)
      ORDER BY t.n`,
    [schema, target.tables],
  );
  const missing = rows.filter((r) => r.oid === null).map((r) => `${schema}.${r.name}`);
  if (missing.length)
    throw new UsageError(
      `output table${missing.length > 1 ? 's' : ''} of phase ${target.phase} not found: ${missing.join(', ')}`,
      'Check "outputs" in the phases configuration, and that migrations are applied.',
    );
  const odd = rows.filter((r) => r.kind !== 'r').map((r) => `${schema}.${r.name}`);
  if (odd.length)
    throw new UsageError(`blue-green output${odd.length > 1 ? 's' : ''} ${odd.join(', ')} must be plain tables (not views or partitioned tables)`);
  return rows.map((r) => r.oid!);
}

/** Throws when anything outside the outputs depends on them in a way a swap would break. */
export async function refuseDependents(client: pg.ClientBase, target: BlueGreenTarget): Promise<void> {
  const oids = await outputOids(client, target);
  const { rows } = await client.query<{ what: string }>(
    `SELECT DISTINCT format('view %s (reads %s)', v.oid::regclass, d.refobjid::regclass) AS what
       FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid JOIN pg_class v ON v.oid = r.ev_class
      WHERE d.classid = 'pg_rewrite'::regclass AND d.refclassid = 'pg_class'::regclass
        AND d.refobjid = ANY ($1::oid[]) AND v.oid <> ALL ($1::oid[])
     UNION ALL
     SELECT format('foreign key %I on %s (references %s)', conname, conrelid::regclass, confrelid::regclass)
       FROM pg_constraint WHERE contype = 'f' AND confrelid = ANY ($1::oid[]) AND conrelid <> ALL ($1::oid[])
     UNION ALL
     SELECT format('trigger %I on %s', tgname, tgrelid::regclass) FROM pg_trigger WHERE tgrelid = ANY ($1::oid[]) AND NOT tgisinternal
     UNION ALL
     SELECT format('row-level security policy %I on %s', polname, polrelid::regclass) FROM pg_policy WHERE polrelid = ANY ($1::oid[])
     ORDER BY 1`,
    [oids],
  );
  if (rows.length > 0) {
    throw new PgphaseError(`phase ${target.phase} cannot be built or swapped blue-green: ${rows.map((r) => r.what).join('; ')}`, {
      hint: 'A swap would leave these pointing at the old version. Drop them (recreate views over the live tables after a promote), or run the phase in place with `pgphase run --in-place`.',
    });
  }
}

/** Throws unless the current role may create the shadow schema and owns the output tables. */
export async function refuseWithoutPrivileges(client: pg.ClientBase, target: BlueGreenTarget): Promise<void> {
  const oids = await outputOids(client, target);
  const { rows } = await client.query<{ create: boolean; foreign: string[] }>(
    `SELECT has_database_privilege(current_database(), 'CREATE') AS create,
            coalesce((SELECT array_agg(format('%s (owned by %s)', c.oid::regclass, pg_get_userbyid(c.relowner)) ORDER BY c.oid)
                        FROM pg_class c WHERE c.oid = ANY ($1::oid[]) AND NOT pg_has_role(c.relowner, 'USAGE')), '{}') AS foreign`,
    [oids],
  );
  const { create, foreign } = rows[0]!;
  if (!create || foreign.length > 0) {
    const why = [!create ? 'CREATE on the database (for the shadow schema)' : '', foreign.length ? `ownership of ${foreign.join(', ')}` : '']
      .filter(Boolean)
      .join(' and ');
    throw new PgphaseError(`a blue-green build of phase ${target.phase} needs ${why}, which the current role lacks`, {
      exitCode: EXIT.usage,
      hint: "Run blue-green builds, promote, rollback and prune as the tables' owner (e.g. a member of pgphase_migrator), or run the phase in place with `pgphase run --in-place`.",
    });
  }
}
