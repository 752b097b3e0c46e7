/**
 * What the ledger says about one run, per source table and per worker: rows, partitions,
 * batches, procedure time (the sum of batch_ms, i.e. worker-busy time) and the wall span. Shows
 * at a glance whether the workers shared the work and where the time went.
 */
import pg from 'pg';

export interface TableDetail {
  readonly table: string;
  readonly rows: number;
  readonly partitions: number;
  readonly batches: number;
  /** Sum of the procedure calls' durations, ms. */
  readonly busyMs: number;
  /** First partition start to last partition end, ms. */
  readonly spanMs: number;
  /** Rows processed by each worker (`<runner tag>:w<n>`). */
  readonly rowsByWorker: Readonly<Record<string, number>>;
}

export async function ledgerDetail(url: string, runId: string): Promise<TableDetail[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ t: string; w: string; rows: string; parts: number; batches: string; busy: string; first: Date; last: Date }>(
      `SELECT source_table AS t, regexp_replace(coalesce(claimed_by, '?'), '^.*:([^:]+:[^:]+)$', '\\1') AS w,
              sum(rows_in) AS rows, count(*)::int AS parts, sum(batches) AS batches,
              sum((SELECT coalesce(sum(b), 0) FROM unnest(batch_ms) b)) AS busy,
              min(started_at) AS first, max(finished_at) AS last
         FROM pgphase.partitions WHERE run_id = $1 GROUP BY 1, 2 ORDER BY 1, 2`,
      [runId],
    );
    const tables = new Map<
      string,
      { rows: number; partitions: number; batches: number; busyMs: number; first: number; last: number; rowsByWorker: Record<string, number> }
    >();
    for (const r of rows) {
      const t = tables.get(r.t) ?? { rows: 0, partitions: 0, batches: 0, busyMs: 0, first: Infinity, last: -Infinity, rowsByWorker: {} };
      t.rows += Number(r.rows);
      t.partitions += r.parts;
      t.batches += Number(r.batches);
      t.busyMs += Number(r.busy);
      t.first = Math.min(t.first, r.first.getTime());
      t.last = Math.max(t.last, r.last.getTime());
      t.rowsByWorker[r.w] = Number(r.rows);
      tables.set(r.t, t);
    }
    return [...tables].map(([table, t]) => ({
      table,
      rows: t.rows,
      partitions: t.partitions,
      batches: t.batches,
      busyMs: t.busyMs,
      spanMs: t.last - t.first,
      rowsByWorker: t.rowsByWorker,
    }));
  } finally {
    await client.end();
  }
}

/** "rows by worker: 3f2a1c:w1 99.8%, 3f2a1c:w2 0.2%": how evenly the workers shared the rows. */
export function workSplit(tables: readonly TableDetail[]): string {
  const byWorker = new Map<string, number>();
  for (const t of tables) for (const [w, n] of Object.entries(t.rowsByWorker)) byWorker.set(w, (byWorker.get(w) ?? 0) + n);
  const total = [...byWorker.values()].reduce((a, b) => a + b, 0);
  const shares = [...byWorker].sort(([a], [b]) => a.localeCompare(b)).map(([w, n]) => `${w} ${total > 0 ? ((n / total) * 100).toFixed(1) : '0'}%`);
  return `rows by worker: ${shares.join(', ')}`;
}
