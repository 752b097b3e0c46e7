/**
 * Subsets for the slow modes (client_loop, record), and the extrapolation from them. A subset
 * is every game row (market rows need their game staged) and then the first rows by id of each
 * market table: the generator interleaves rounds over all games, so these are the first rounds
 * of every game. For the runner, the subset's keys are copied into `bench_subset.<table>`
 * (id only), a source table the runner plans and cuts while the real procedures stage the
 * raw rows of those ranges: the keys are a prefix of each raw table's ids, so the ranges hold
 * exactly the subset.
 */
import pg from 'pg';
import type { Phase } from '../runner/phases.js';
import { RAW_TABLES } from './dataset.js';

export type Counts = Readonly<Record<string, number>>;

/** Rows of each table in a subset of about `rows` rows. Pure. */
export function subsetQuotas(totals: Counts, rows: number): Record<string, number> {
  const games = Math.min(totals.games ?? 0, rows);
  const perMarket = Math.max(0, Math.floor((rows - games) / 3));
  return Object.fromEntries(RAW_TABLES.map((t) => [t, t === 'games' ? games : Math.min(totals[t] ?? 0, perMarket)]));
}

/**
 * Seconds for the whole data from seconds measured on a subset: the measured wall time scaled
 * by the ratio of work, each table's work being its rows times its measured cost per row.
 * Pure. `cost` is per row in any unit (busy ms, seconds).
 */
export function extrapolate(measuredSeconds: number, subset: Counts, full: Counts, costPerRow: Counts): number {
  const work = (counts: Counts) => Object.keys(counts).reduce((sum, t) => sum + (counts[t] ?? 0) * (costPerRow[t] ?? 0), 0);
  const measured = work(subset);
  return measured > 0 ? (measuredSeconds * work(full)) / measured : 0;
}

export async function rawCounts(client: pg.ClientBase): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const t of RAW_TABLES) {
    const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM raw.${t}`);
    counts[t] = Number(rows[0]!.n);
  }
  return counts;
}

/** Fills bench_subset.<table> with the first `quota` ids of each raw table. */
export async function createSubsetKeys(client: pg.ClientBase, quotas: Counts): Promise<void> {
  await client.query('CREATE SCHEMA IF NOT EXISTS bench_subset');
  for (const t of RAW_TABLES) {
    await client.query(`DROP TABLE IF EXISTS bench_subset.${t}`);
    await client.query(`CREATE TABLE bench_subset.${t} (id bigint PRIMARY KEY)`);
    await client.query(`INSERT INTO bench_subset.${t} SELECT id FROM raw.${t} ORDER BY id LIMIT $1`, [quotas[t] ?? 0]);
    await client.query(`ANALYZE bench_subset.${t}`);
  }
}

/** The staging phase with its sources swapped for the subset's key tables. */
export function subsetStagingPhase(staging: Phase): Phase {
  const swap = (source: string) => source.replace(/^raw\./, 'bench_subset.');
  return { ...staging, steps: staging.steps.map((s) => ({ ...s, source: swap(s.source), ...(s.after ? { after: s.after.map(swap) } : {}) })) };
}
