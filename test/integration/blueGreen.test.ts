/**
 * Blue-green phases (runner/bluegreen/): the curated phase builds into a shadow copy of its
 * tables made from the live definitions while readers keep reading the live ones; a verified
 * build is promoted, rolled back and pruned in one short transaction each; a reader in another
 * connection only ever sees a complete feature set.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promote, rollback } from '../../runner/bluegreen/operations.js';
import type { LockAttempt } from '../../runner/db/lockRetry.js';
import { phaseVersions } from '../../runner/bluegreen/versions.js';
import { runPipeline } from '../../runner/run/runPipeline.js';
import { PHASES } from '../../runner/odds/phases.js';
import { checksums, definitions, featureChecksumSql } from '../support/blueGreen.js';
import { runCli, startCli } from '../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

let db: TestDatabase;
const build = () => runPipeline({ url: db.url, phaseList: PHASES, phases: ['curated'], workers: 2, fresh: true });
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
  const staging = await runPipeline({ url: db.url, phaseList: PHASES, phases: ['staging'], workers: 2 });
  expect(staging.status).toBe('done');
});
afterAll(async () => {
  await db.drop();
});

describe('a blue-green curated build', () => {
  let a: Record<string, string>;

  it("writes into a shadow schema made from the live tables' definitions, verifies it, and leaves the live tables alone", async () => {
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
    const r = await promote({ url: db.url, config: db.config(), phase: 'curated', phaseList: PHASES });
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
      await promote({ url: db.url, config: db.config(), phase: 'curated', phaseList: PHASES });
      expect(await checksums(db)).toEqual(b);
      await untilReaderSees(bSum);
      const back = await rollback({ url: db.url, config: db.config(), phase: 'curated', phaseList: PHASES });
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

describe('promote against a long reader', () => {
  it('retries within its ladder, then fails cleanly with both versions intact; after the reader ends it succeeds', async () => {
    await db.query(`UPDATE curated.settings SET fair_method = 'additive'`);
    const report = await build();
    const shadow = report.builds![0]!.schema;
    const live = await checksums(db);
    const next = await checksums(db, shadow);
    expect(next).not.toEqual(live);
    const reader = new pg.Client({ connectionString: db.url });
    await reader.connect();
    try {
      await reader.query('BEGIN');
      await reader.query('SELECT count(*) FROM curated.game_features');
      const slept: number[] = [];
      const config = db.config({ swapLockTimeoutMs: 150, lockRetries: 2, lockRetryBaseMs: 20 });
      const error = await promote({ url: db.url, config, phase: 'curated', phaseList: PHASES, sleep: async (ms) => void slept.push(ms) }).then(
        () => undefined,
        (e: unknown) => e as Error & { sqlstate?: string },
      );
      expect(error?.message).toMatch(
        /^promote of phase curated could not lock its tables in 3 attempts \(waiting 100-150 ms each\); nothing was changed\. Holding locks: pid \d+/,
      );
      expect(error?.sqlstate).toBe('55P03');
      expect(slept).toHaveLength(2);
      expect(await checksums(db)).toEqual(live);
      expect(await checksums(db, shadow)).toEqual(next);
      expect((await versions()).pending?.state).toBe('verified');
      await reader.query('COMMIT');
      const r = await promote({ url: db.url, config, phase: 'curated', phaseList: PHASES });
      expect(r.live.runId).toBe(report.runId);
      expect(await checksums(db)).toEqual(next);
    } finally {
      await reader.end();
    }
  });

  it('waits at most its small lock budget per attempt: a reader loop on the table never stalls for long while the promote retries', async () => {
    const report = await build();
    const live = await checksums(db);
    const reader = new pg.Client({ connectionString: db.url });
    const loop = new pg.Client({ connectionString: db.url });
    await reader.connect();
    await loop.connect();
    try {
      await reader.query('BEGIN');
      await reader.query('SELECT count(*) FROM curated.game_features');
      // Without a per-attempt budget the promote waits for the reader: it is let go after 3 s.
      const release = setTimeout(() => void reader.query('COMMIT').catch(() => {}), 3_000);
      const stalls: number[] = [];
      let stop = false;
      const loopDone = (async () => {
        while (!stop) {
          const started = performance.now();
          await loop.query('SELECT game_id FROM curated.game_features LIMIT 1');
          stalls.push(performance.now() - started);
          await new Promise((r) => setTimeout(r, 50));
        }
      })();
      const attempts: LockAttempt[] = [];
      const config = db.config({ swapLockTimeoutMs: 200, lockRetries: 4, lockRetryBaseMs: 50 });
      const error = await promote({ url: db.url, config, phase: 'curated', phaseList: PHASES, onAttempt: (a) => attempts.push(a) }).then(
        () => undefined,
        (e: unknown) => e as Error & { sqlstate?: string },
      );
      stop = true;
      await loopDone;
      clearTimeout(release);
      expect(error?.sqlstate).toBe('55P03');
      expect(attempts.map((a) => [a.lockTimeoutMs, a.outcome])).toEqual([
        [100, 'lock timeout'],
        [150, 'lock timeout'],
        [200, 'lock timeout'],
        [200, 'lock timeout'],
        [200, 'lock timeout'],
      ]);
      // Generous margins on a shared machine: 5x the budget, where a wait without one lasts 3 s.
      expect(Math.max(...attempts.map((a) => a.ms))).toBeLessThan(1_000);
      expect(Math.max(...stalls)).toBeLessThan(1_000);
      expect(await checksums(db)).toEqual(live);
      await reader.query('COMMIT');
      const r = await promote({ url: db.url, config, phase: 'curated', phaseList: PHASES });
      expect(r.live.runId).toBe(report.runId);
    } finally {
      await loop.end();
      await reader.end();
    }
  });
});

describe('the check gate', () => {
  it('a phase check that returns rows blocks promotion, names the check with a sample, and keeps the live version', async () => {
    const live = await checksums(db);
    const liveRun = (await versions()).live?.runId;
    const curated = PHASES.find((p) => p.name === 'curated')!;
    const strict = {
      ...curated,
      checks: [
        ...(curated.checks ?? []),
        { name: 'no game without a pre-game snapshot', sql: 'SELECT game_id, has_pregame FROM game_features WHERE game_id % 2 = 0 ORDER BY game_id' },
      ],
    };
    const phaseList = [strict];
    const report = await runPipeline({ url: db.url, phases: ['curated'], workers: 2, fresh: true, phaseList });
    expect(report.status).toBe('failed');
    const failed = report.builds![0]!.checks.filter((k) => !k.passed);
    expect(failed.map((k) => k.name)).toEqual(['no game without a pre-game snapshot']);
    expect(failed[0]!.sample[0]).toEqual({ game_id: expect.any(Number), has_pregame: expect.any(Boolean) });
    await expect(promote({ url: db.url, config: db.config(), phase: 'curated', phaseList })).rejects.toThrow(
      /^the build of phase curated by run \d+ failed its check "no game without a pre-game snapshot": it cannot be promoted$/,
    );
    const cli = await runCli(['promote', 'curated'], { DATABASE_URL: db.url });
    expect(cli.code).toBe(1);
    expect(cli.stderr).toMatch(/^error: .*failed its check "no game without a pre-game snapshot"/m);
    const status = await runCli(['status'], { DATABASE_URL: db.url });
    expect(status.stdout).toMatch(/shadow +run \d+ in curated__run\d+: failed \(failed "no game without a pre-game snapshot"\)/);
    expect(await checksums(db)).toEqual(live);
    expect((await versions()).live?.runId).toBe(liveRun);
  });
});

describe('the built-in checks', () => {
  it('a failed partition fails the build ("every partition done"), and the live version stays', async () => {
    const live = await checksums(db);
    await db.query(`CREATE TABLE public.settings_kept AS SELECT * FROM curated.settings; DELETE FROM curated.settings`);
    try {
      const report = await build();
      expect(report.status).toBe('failed');
      const checks = report.builds![0]!.checks;
      expect(checks.find((k) => k.name === 'every partition done')).toMatchObject({
        passed: false,
        sample: expect.arrayContaining([expect.objectContaining({ status: 'failed', last_sqlstate: 'P0001' })]),
      });
      expect(report.builds![0]!.state).toBe('failed');
      await expect(promote({ url: db.url, config: db.config(), phase: 'curated', phaseList: PHASES })).rejects.toThrow(
        /failed its checks "every partition done", /,
      );
      expect(await checksums(db)).toEqual(live);
    } finally {
      await db.query(`INSERT INTO curated.settings SELECT * FROM public.settings_kept; DROP TABLE public.settings_kept`);
    }
  });

  it('a source key the build did not cover fails "every source key accounted for", naming the key', async () => {
    const report = await build();
    expect(report.builds![0]!.state).toBe('verified');
    const [game] = await db.query<{ id: string }>(
      `INSERT INTO staging.games (source_raw_id, external_game_id, home_team, away_team, game_start, data_quality_score)
       VALUES (-1, 'late-arrival', 'NYY', 'BOS', now(), 90) RETURNING id::text`,
    );
    try {
      const { verifyBuild } = await import('../../runner/bluegreen/verify.js');
      const curated = PHASES.find((p) => p.name === 'curated')!;
      const c = await db.pool.connect();
      try {
        const checks = await verifyBuild(c, curated, report.runId, report.builds![0]!.schema);
        expect(checks.find((k) => k.name === 'every source key accounted for')).toEqual({
          name: 'every source key accounted for',
          passed: false,
          violations: 1,
          sample: [{ source_table: 'staging.games', key: game!.id, problem: 'not in a done partition' }],
        });
        expect(checks.find((k) => k.name === 'one feature row per staged game')).toMatchObject({
          passed: false,
          sample: [{ game_id: Number(game!.id), external_game_id: 'late-arrival' }],
        });
      } finally {
        c.release();
      }
    } finally {
      await db.query(`DELETE FROM staging.games WHERE id = $1`, [game!.id]);
    }
  });
});

describe('crashes and what a swap would break', () => {
  it('a runner killed mid-build (SIGKILL) resumes, and the promoted result equals an undisturbed build', async () => {
    const undisturbed = await build();
    const want = await checksums(db, undisturbed.builds![0]!.schema);
    // Every ledger update commits 50 ms slower (as in the chaos loop), so the kill lands mid-build.
    await db.query(`CREATE FUNCTION public.slow_commit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(0.05); RETURN NULL; END $$;
                    CREATE TRIGGER slow_commit AFTER UPDATE ON pgphase.partitions FOR EACH STATEMENT EXECUTE FUNCTION public.slow_commit()`);
    const args = ['run', 'curated', '--new', '--workers', '1', '--batch-initial', '1', '--batch-min', '1', '--batch-max', '1'];
    // A short lease: the killed runner's partition is taken over 3 s after its last heartbeat.
    const { child, done } = startCli(args, { DATABASE_URL: db.url, PGPHASE_LEASE: '3s' });
    let batches = 0;
    for (let i = 0; i < 3_000 && batches < 3; i++) {
      await new Promise((r) => setTimeout(r, 10));
      const [row] = await db.query<{ n: number }>(
        `SELECT coalesce(sum(p.batches), 0)::int AS n FROM pgphase.partitions p WHERE p.run_id = (SELECT max(id) FROM pgphase.runs) AND p.run_id > $1`,
        [undisturbed.runId],
      );
      batches = row!.n;
    }
    expect(batches).toBeGreaterThan(0);
    child.kill('SIGKILL');
    const killed = await done;
    expect(killed.code).toBeNull();
    await db.query(`DROP TRIGGER slow_commit ON pgphase.partitions; DROP FUNCTION public.slow_commit()`);
    const [run] = await db.query<{ id: string; status: string }>(`SELECT r.id::text AS id, r.status FROM pgphase.runs r ORDER BY r.id DESC LIMIT 1`);
    expect(run!.status).toBe('running');
    expect((await versions()).pending).toMatchObject({ runId: run!.id, state: 'building' });
    const resumed = await runCli(['run', 'curated', '--promote', '--json'], { DATABASE_URL: db.url, PGPHASE_LEASE: '3s' });
    expect(resumed.code, resumed.stderr).toBe(0);
    const out = JSON.parse(resumed.stdout) as { runId: string; resumed: boolean; promoted: { live: { runId: string } }[] };
    expect(out).toMatchObject({ runId: run!.id, resumed: true });
    expect(out.promoted.map((p) => p.live.runId)).toEqual([run!.id]);
    expect(await checksums(db)).toEqual(want);
  });

  it('two runner processes on one run share one shadow build and record its verification once', async () => {
    const [one, two] = await Promise.all([0, 1].map(() => runPipeline({ url: db.url, phaseList: PHASES, phases: ['curated'], workers: 1 })));
    expect(two!.runId).toBe(one!.runId);
    expect([one!.builds, two!.builds].map((b) => b?.map((x) => [x.schema, x.state]))).toEqual([
      [[`curated__run${one!.runId}`, 'verified']],
      [[`curated__run${one!.runId}`, 'verified']],
    ]);
    const [{ n }] = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM pgphase.bluegreen_versions WHERE run_id = $1`, [one!.runId])) as [
      { n: number },
    ];
    expect(n).toBe(1);
  });

  it('refuses before the build, naming them, views over the outputs and foreign keys into them from other schemas', async () => {
    await db.query(`CREATE SCHEMA reports; CREATE VIEW reports.favourites AS SELECT game_id FROM curated.game_features WHERE ml_fair_home > 0.7;
                    CREATE TABLE reports.picks (game_id bigint REFERENCES curated.game_features (game_id))`);
    try {
      const [before] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM pgphase.runs`);
      const pending = (await versions()).pending;
      const r = await runCli(['run', 'curated', '--new'], { DATABASE_URL: db.url });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(
        /^error: phase curated cannot be built or swapped blue-green: foreign key picks_game_id_fkey on reports\.picks \(references curated\.game_features\); view reports\.favourites \(reads curated\.game_features\)$/m,
      );
      expect(r.stderr).toMatch(/^hint: A swap would leave these pointing at the old version/m);
      expect(await db.query(`SELECT count(*)::int AS n FROM pgphase.runs`)).toEqual([before]);
      expect((await versions()).pending).toEqual(pending);
      // Created after a build started, they stop its promote the same way.
      await db.query(`DROP TABLE reports.picks`);
      const live = await checksums(db);
      const p = await runCli(['promote', 'curated'], { DATABASE_URL: db.url });
      expect(p.code).toBe(1);
      expect(p.stderr).toMatch(/^error: phase curated cannot be built or swapped blue-green: view reports\.favourites \(reads curated\.game_features\)$/m);
      expect(await checksums(db)).toEqual(live);
    } finally {
      await db.query(`DROP SCHEMA reports CASCADE`);
    }
  });
});
