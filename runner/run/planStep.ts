/**
 * Planning reads: a step that became runnable is planned by whichever runner process first moves
 * it from `waiting` to `planned`: the source is ANALYZEd (unless its statistics are current),
 * its span (from the key's index), row estimate and histogram read, and
 * the step's partitions (key ranges of about equal row counts, runner/plan/planPartitions.ts)
 * inserted, in one transaction. The ledger's statements are runner/ledger/planning.ts's.
 */
import type pg from 'pg';
import { transaction } from '../db/transaction.js';
import { planPartitions, type KeyRange } from '../plan/planPartitions.js';
import { claimStepPlanning, insertPartitions, recordStepEstimate, recordStepReach } from '../ledger/planning.js';
import { qualified, type StepRow } from '../ledger/types.js';

/** Reads the key space and equi-depth samples of a step's source and inserts its partitions. */
export async function planStep(client: pg.ClientBase, runId: string, step: StepRow, targetPartitions: (rows: number) => number): Promise<void> {
  await transaction(client, async () => {
    if (!(await claimStepPlanning(client, step.id))) return; // another runner process planned it
    const table = qualified(client, step.source_table);
    const key = client.escapeIdentifier(step.key_column);
    const [schema, name] = step.source_table.split('.');
    // Fresh statistics for the key column (the histogram we plan by), unless the table's own are
    // current: a histogram of the key, and at most a tenth of the rows changed since it was taken.
    // An ANALYZE costs every waiting worker 50-100 ms per million-row table; stale statistics
    // only unbalance the partitions, and the run evens that out by splitting (runner/ledger/split.ts).
    const { rows: current } = await client.query<{ fresh: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM pg_stats WHERE schemaname = $1 AND tablename = $2 AND attname = $3 AND histogram_bounds IS NOT NULL)
              AND coalesce((SELECT c.reltuples > 0 AND s.n_mod_since_analyze <= 0.1 * c.reltuples
                              FROM pg_class c JOIN pg_stat_all_tables s ON s.relid = c.oid WHERE c.oid = $4::regclass), false) AS fresh`,
      [schema, name, step.key_column, table],
    );
    if (!current[0]!.fresh) {
      // The whole table: an ANALYZE of some columns leaves n_mod_since_analyze as it was, so the
      // check above would find the statistics stale again at every run.
      await client.query(`ANALYZE ${table}`);
      // It resets that count in this backend's pending statistics, which reach
      // pg_stat_all_tables up to seconds later: flushed at commit where the role may, so that the
      // next step or run planned in between does not analyze again.
      await client.query(`SELECT pg_stat_force_next_flush() WHERE has_function_privilege('pg_stat_force_next_flush()', 'EXECUTE')`);
    }
    // min and max come from the key's index; the row count is the statistics' estimate (a
    // count(*) would scan the whole table while every worker waits for the plan).
    // An incremental step covers the keys above its from_key only (runner/ledger/runState.ts).
    const { rows: span } = await client.query<{ min: string | null; max: string | null; n: string }>(
      `SELECT (SELECT min(${key})::text FROM ${table} WHERE $2::bigint IS NULL OR ${key} > $2::bigint) AS min,
              (SELECT max(${key})::text FROM ${table}) AS max,
              (SELECT greatest(reltuples, 0)::bigint::text FROM pg_class WHERE oid = $1::regclass) AS n`,
      [table, step.from_key],
    );
    const { min, max, n } = span[0]!;
    const { rows: stats } = await client.query<{ bounds: string[] | null }>(
      `SELECT histogram_bounds::text::text[] AS bounds FROM pg_stats WHERE schemaname = $1 AND tablename = $2 AND attname = $3`,
      [schema, name, step.key_column],
    );
    const bounds = (stats[0]?.bounds ?? []).map((b) => BigInt(b));
    const from = step.from_key === null ? null : BigInt(step.from_key);
    const above = from === null ? bounds : bounds.filter((b) => b > from);
    // An incremental step counts the rows above from_key: an index range over what was appended
    // since (few, by design), where the histogram may not know the new keys yet (statistics that
    // count as fresh are not taken again, and the counts of changed rows reach them late).
    const rowCount =
      from === null
        ? Number(n)
        : Number((await client.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${table} WHERE ${key} > $1::bigint`, [step.from_key])).rows[0]!.n);
    const ranges: KeyRange[] =
      min === null || max === null
        ? []
        : planPartitions({
            keySpace: { min: BigInt(min), max: BigInt(max) },
            estimatedRows: rowCount,
            partitions: targetPartitions(rowCount),
            samples: above,
          });
    await recordStepEstimate(client, step.id, min === null ? 0 : rowCount);
    // The highest key this step covers: where the next incremental run starts.
    await recordStepReach(client, step.id, max ?? step.from_key);
    await insertPartitions(client, runId, step, ranges);
  });
}
