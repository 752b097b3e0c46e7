/**
 * The ledger's checks of a finished blue-green build (runner/bluegreen/verify.ts): every partition
 * and step of the phase in the run is done, and every source key is inside a done partition with
 * each partition's rows in = written + rejected. Each returns up to `limit` violating rows.
 */
import type pg from 'pg';

/** The phase's partitions and steps in the run that are not done. */
export async function unfinishedOfPhase(c: pg.ClientBase, runId: string, phase: string, limit: number): Promise<Record<string, unknown>[]> {
  const { rows: unfinished } = await c.query<Record<string, unknown>>(
    `SELECT id::text AS partition, source_table, lo::text, hi::text, status, last_sqlstate, last_error
       FROM pgphase.partitions WHERE run_id = $1 AND phase = $2 AND status <> 'done'
     UNION ALL
     SELECT NULL, source_table, NULL, NULL, 'step ' || status, NULL, NULL
       FROM pgphase.run_steps WHERE run_id = $1 AND phase = $2 AND status <> 'done'
     ORDER BY 1 LIMIT ${limit}`,
    [runId, phase],
  );
  return unfinished;
}

/** The phase's steps in the run, in order. */
export async function stepsOfPhase(c: pg.ClientBase, runId: string, phase: string): Promise<{ id: string; source_table: string; key_column: string }[]> {
  const { rows: steps } = await c.query<{ id: string; source_table: string; key_column: string }>(
    `SELECT id::text, source_table, key_column FROM pgphase.run_steps WHERE run_id = $1 AND phase = $2 ORDER BY ordinal`,
    [runId, phase],
  );
  return steps;
}

/**
 * A step's source keys outside its done partitions, then its partitions whose rows in are not
 * written + rejected (up to `limit` of each), in one statement over the source and the ledger.
 */
export async function unaccountedKeys(
  c: pg.ClientBase,
  step: { id: string; source_table: string; key_column: string },
  limit: number,
): Promise<Record<string, unknown>[]> {
  const table = step.source_table
    .split('.')
    .map((p) => c.escapeIdentifier(p))
    .join('.');
  const key = c.escapeIdentifier(step.key_column);
  const { rows } = await c.query<Record<string, unknown>>(
    `(WITH covered AS (SELECT coalesce(range_agg(int8range(lo, hi, '[]')), '{}'::int8multirange) AS m
                           FROM pgphase.partitions WHERE step_id = $1 AND status = 'done')
        SELECT $2::text AS source_table, s.${key}::text AS key, 'not in a done partition' AS problem FROM ${table} s, covered
         WHERE NOT (s.${key}::bigint <@ covered.m) ORDER BY s.${key} LIMIT ${limit})
       UNION ALL
       (SELECT $2, format('%s..%s', lo, hi), format('partition %s: %s rows in, %s written + %s rejected', id, rows_in, written, rejected)
          FROM pgphase.partitions WHERE step_id = $1 AND rows_in <> written + rejected ORDER BY id LIMIT ${limit})`,
    [step.id, step.source_table],
  );
  return rows;
}
