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

describe('readers, rollback and prune', () => {
  it('a reader in another connection sees the old or the new feature set, never anything else, through a build, a promote and a rollback; rollback restores the previous checksums exactly', async () => {
    const a = await checksums(db);
    const [{ c: aSum }] = (await db.query<{ c: string }>(featureChecksumSql())) as [{ c: string }];
    await db.query(`UPDATE curated.settings SET fair_method = 'shin', steam_min_books = 2`);
    const reader = new pg.Client({ connectionString: db.url });
    await reader.connect();
    const seen = new Map<string, number>();
    let stop = false;
    let last = '';
    const loop = (async () => {
      while (!stop) {
        const { rows } = await reader.query<{ c: string }>(featureChecksumSql());
        last = rows[0]!.c;
        seen.set(last, (seen.get(last) ?? 0) + 1);
      }
    })();
    const untilReaderSees = async (sum: string) => {
      for (let i = 0; i < 2_000 && last !== sum; i++) await new Promise((r) => setTimeout(r, 5));
    };
    try {
      const report = await build();
      expect(report.builds?.[0]?.state).toBe('verified');
      const [{ c: bSum }] = (await db.query<{ c: string }>(featureChecksumSql(report.builds![0]!.schema))) as [{ c: string }];
      expect(bSum).not.toBe(aSum);
      const b = await checksums(db, report.builds![0]!.schema);
      await promote({ url: db.url, config: db.config(), phase: 'curated' });
      expect(await checksums(db)).toEqual(b);
      await untilReaderSees(bSum);
      const back = await rollback({ url: db.url, config: db.config(), phase: 'curated' });
      expect(back.live.runId).not.toBe(report.runId);
      await untilReaderSees(aSum);
      stop = true;
      await loop;
      expect([...seen.keys()].sort()).toEqual([aSum, bSum].sort());
      expect(await checksums(db)).toEqual(a);
      const v = await versions();
      expect(v.previous).toBeUndefined();
      expect(v.retired.map((r) => r.runId)).toContain(report.runId);
    } finally {
      stop = true;
      await loop.catch(() => {});
      await reader.end();
    }
  });

  it('a second rollback, with no previous version, exits with a clear error and changes nothing', async () => {
    const before = await checksums(db);
    const r = await runCli(['rollback', 'curated'], { DATABASE_URL: db.url });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: phase curated has no previous version to roll back to \(live: run \d+\)$/m);
    expect(r.stderr).toMatch(/^hint: .*pgphase prune/m);
    expect(await checksums(db)).toEqual(before);
  });

  it('prune drops the previous version (and older parked ones); rollback then has nothing to go back to', async () => {
    const report = await build();
    const next = await checksums(db, report.builds![0]!.schema);
    const promoted = await runCli(['promote', 'curated'], { DATABASE_URL: db.url });
    expect(promoted.code, promoted.stderr).toBe(0);
    expect(promoted.stdout).toMatch(new RegExp(`^promoted curated: live is now run ${report.runId} \\(previous: run \\d+, kept in curated__run\\d+\\)`));
    expect(await checksums(db)).toEqual(next);
    const previous = (await versions()).previous!;
    const pruned = await runCli(['prune', 'curated', '--json'], { DATABASE_URL: db.url });
    expect(pruned.code, pruned.stderr).toBe(0);
    expect((JSON.parse(pruned.stdout) as { dropped: { schema: string }[] }).dropped.map((d) => d.schema)).toContain(previous.parkedSchema);
    const parked = await db.query(`SELECT nspname FROM pg_namespace WHERE nspname LIKE 'curated\\_\\_%' ORDER BY 1`);
    expect(parked).toEqual([]);
    const v = await versions();
    expect(v.previous).toBeUndefined();
    expect(v.retired).toEqual([]);
    expect(v.live?.runId).toBe(report.runId);
    const again = await runCli(['rollback', 'curated'], { DATABASE_URL: db.url });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^error: phase curated has no previous version to roll back to/m);
    expect(await checksums(db)).toEqual(next);
  });
});
