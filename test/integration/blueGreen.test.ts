/**
 * Blue-green phases (runner/bluegreen/): the curated phase builds into a shadow copy of its
 * tables made from the live definitions while readers keep reading the live ones; a verified
 * build is promoted, rolled back and pruned in one short transaction each; a reader in another
 * connection only ever sees a complete feature set.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promote, pruneVersions, rollback } from '../../runner/bluegreen/operations.js';
import { phaseVersions } from '../../runner/bluegreen/versions.js';
import { runPipeline } from '../../runner/run/runPipeline.js';
import { checksums, definitions, featureChecksumSql } from '../support/blueGreen.js';
import { runCli } from '../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

let db: TestDatabase;
const build = () => runPipeline({ url: db.url, phases: ['curated'], workers: 2, fresh: true });
const versions = async () => {
  const c = await db.pool.connect();
  try {
    return await phaseVersions(c, 'curated');
  } finally {
    c.release();
  }
};

beforeAll(async () => {
  db = await createTestDatabase();
  await db.query(`CALL pipeline.generate_sample(10000, 5, 0.05)`);
  const staging = await runPipeline({ url: db.url, phases: ['staging'], workers: 2 });
  expect(staging.status).toBe('done');
});
afterAll(async () => {
  await db.drop();
});

describe('a blue-green curated build', () => {
  let a: Record<string, string>;

  it('writes into a shadow schema made from the live tables\' definitions, verifies it, and leaves the live tables alone', async () => {
    await db.query(`COMMENT ON TABLE curated.steam_moves IS 'steam events'`);
    await db.query(`CREATE ROLE pgphase_t_bg_reader NOLOGIN`).catch(() => {});
    await db.query(`GRANT SELECT ON curated.game_features TO pgphase_t_bg_reader`);
    const report = await build();
    expect(report.status).toBe('done');
    const shadow = `curated__run${report.runId}`;
    expect(report.builds).toEqual([expect.objectContaining({ phase: 'curated', schema: shadow, state: 'verified' })]);
    expect(report.builds![0]!.checks.map((k) => [k.name, k.passed])).toEqual([
      ['every partition done', true],
      ['every source key accounted for', true],
      ['one feature row per staged game', true],
      ['fair probabilities within [0, 1]', true],
    ]);
    expect(await definitions(db, shadow)).toEqual(await definitions(db, 'curated'));
    const [{ n }] = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM curated.game_features`)) as [{ n: number }];
    expect(n).toBe(0);
    const [{ games }] = (await db.query<{ games: number }>(`SELECT count(*)::int AS games FROM staging.games`)) as [{ games: number }];
    const [{ built }] = (await db.query<{ built: number }>(`SELECT count(*)::int AS built FROM ${shadow}.game_features`)) as [{ built: number }];
    expect(built).toBe(games);
    expect(games).toBeGreaterThan(20);
    a = await checksums(db, shadow);
  });

  it('promote exposes it and keeps the tables that were live as the previous version', async () => {
    const r = await promote({ url: db.url, config: db.config(), phase: 'curated' });
    expect(r.previous).toEqual({ runId: null, schema: 'curated__initial' });
    expect(await checksums(db)).toEqual(a);
    const v = await versions();
    expect(v.live?.runId).toBe(r.live.runId);
    expect(v.previous?.parkedSchema).toBe('curated__initial');
    expect(v.pending).toBeUndefined();
    const status = await runCli(['status'], { DATABASE_URL: db.url });
    expect(status.stdout).toMatch(new RegExp(`live +run ${r.live.runId}, promoted 20`));
    expect(status.stdout).toMatch(/previous +the initial tables in curated__initial/);
  });
});
