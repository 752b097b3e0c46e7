/**
 * The bench's own guarantees, on a small generated dataset: the limit SQL (one connection and N)
 * stages exactly the rows the runner stages (the same checksum of every staged row, so a rule that
 * drifted between sql/bench_limit_staging.sql and the procedures fails here, not only in a bench
 * run), and every mode starts clean: the reset between modes empties pgphase's quarantine and the
 * runner's ledger as well as the staging tables (a runner mode after another one would otherwise
 * upsert over the previous mode's quarantine and ledger, and be timed doing it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDataset } from '../../bench/dataset.js';
import { modeByName } from '../../bench/modes/index.js';
import type { ModeContext } from '../../bench/modes/types.js';
import { resetStaging } from '../../bench/reset.js';
import { stagedChecksum } from '../../bench/stagedChecksum.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

describe('bench modes', () => {
  let db: TestDatabase;
  let ctx: ModeContext;
  beforeAll(async () => {
    db = await createTestDatabase();
    const dataset = await generateDataset(db.url, 12_000, { seed: 42, badRatio: undefined, say: () => {} });
    ctx = {
      url: db.url,
      rows: dataset.total,
      workers: 2,
      healthGate: true,
      recordWorkers: 1,
      recordRows: dataset.total,
      clientLoopRows: dataset.total,
      limitBatchRows: 1_000,
      say: () => {},
    };
  });
  afterAll(() => db.drop());

  const counts = async () =>
    (
      await db.query<{ staged: number; quarantined: number; runs: number; partitions: number; samples: number }>(
        `SELECT (SELECT count(*) FROM staging.moneylines)::int AS staged, (SELECT count(*) FROM pgphase.quarantine)::int AS quarantined,
                (SELECT count(*) FROM pgphase.runs)::int AS runs, (SELECT count(*) FROM pgphase.partitions)::int AS partitions,
                (SELECT count(*) FROM pgphase.batch_samples)::int AS samples`,
      )
    )[0]!;

  it('the limit, with one connection, with N and in batches, stages exactly the runner’s rows (one runner or N sharing a run), and each mode starts from nothing', async () => {
    const sums = new Map<string, string>();
    for (const name of ['pgphase_n', 'limit', 'limit_n', 'limit_batched', 'pgphase_1', 'pgphase_n_shared'] as const) {
      await resetStaging(db.url);
      expect(await counts(), `before ${name}`).toEqual({ staged: 0, quarantined: 0, runs: 0, partitions: 0, samples: 0 });
      const result = await modeByName(name).run(ctx);
      expect(result.staged, name).toBeGreaterThan(0);
      sums.set(name, await stagedChecksum(db.url));
      if (name.startsWith('pgphase')) {
        const after = await counts();
        expect(after.quarantined, `${name} quarantines rows`).toBeGreaterThan(0);
        expect(after.runs, `${name} leaves its run in the ledger`).toBe(1);
        expect(result.quarantined).toBe(after.quarantined);
      }
    }
    expect(new Set(sums.values()).size, JSON.stringify(Object.fromEntries(sums))).toBe(1);
  });
});
