/**
 * A run's life told truthfully: an interrupted run (no runner process alive) is INTERRUPTED in
 * `status` (exit 1, how to resume), `run --new` beside it refuses unless `--abandon` (recorded),
 * a plain `run` resumes the newest unfinished run and names the others, and a resumed run's
 * duration counts working time, not the hours it sat interrupted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPipeline } from '../../runner/run/runPipeline.js';
import { runCli } from '../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { until } from '../support/poll.js';
import { copyDefects, FIXTURE_PHASES_FILE, fixturePhases, setUpFixture } from '../support/runnerFixture.js';

const ROWS = 2_000;

describe('run life', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
    await setUpFixture(db, ROWS);
  });
  afterAll(() => db.drop());
  const env = () => ({ DATABASE_URL: db.url, PGPHASE_PHASES: FIXTURE_PHASES_FILE });
  const batch = { initial: 50, min: 10, max: 50, targetMs: 1_000 };

  /** Starts a run and interrupts it (as Ctrl-C does) after its first batches. */
  async function interruptedRun(): Promise<string> {
    await db.query(`ALTER DATABASE ${db.name} SET fixture.sleep_ms = 30`);
    const abort = new AbortController();
    const run = runPipeline({ url: db.url, phaseList: fixturePhases(), workers: 2, batch, signal: abort.signal });
    await until(async () => (await db.query(`SELECT 1 FROM pgphase.partitions WHERE batches > 0`)).length > 0, 'a batch');
    abort.abort();
    const report = await run;
    expect(report.status).toBe('running');
    await db.query(`ALTER DATABASE ${db.name} RESET fixture.sleep_ms`);
    return report.runId;
  }

  it('shows an interrupted run as such, counts only working time when resumed, and refuses --new beside it', async () => {
    const runId = await interruptedRun();
    // As if it had been interrupted three hours ago.
    await db.query(`UPDATE pgphase.runs SET started_at = started_at - interval '3 hours' WHERE id = $1`, [runId]);
    await db.query(`UPDATE pgphase.partitions SET started_at = started_at - interval '3 hours' WHERE run_id = $1`, [runId]);
    await db.query(
      `UPDATE pgphase.run_runners SET started_at = started_at - interval '3 hours', last_seen = last_seen - interval '3 hours', ended_at = ended_at - interval '3 hours' WHERE run_id = $1`,
      [runId],
    );

    const status = await runCli(['status'], env());
    expect(status.code).toBe(1);
    expect(status.stdout).toMatch(new RegExp(`run ${runId} \\[copy\\] INTERRUPTED .*\\n    no runner process is alive .*resume with \`pgphase run copy\``));
    expect(status.stdout).toMatch(/^status: action needed$/m);

    const fresh = await runCli(['run', '--new'], env());
    expect(fresh.code).toBe(2);
    expect(fresh.stderr).toMatch(new RegExp(`^error: run ${runId} \\[copy\\] \\(interrupted\\) is unfinished; --new would leave it behind$`, 'm'));
    expect(fresh.stderr).toMatch(/^hint: Resume with `pgphase run copy`, or give up on it with `pgphase run --new --abandon`\.$/m);

    const resumed = await runCli(['run', '--json'], env());
    expect(resumed.code, resumed.stderr).toBe(0);
    const report = JSON.parse(resumed.stdout) as { runId: string; resumed: boolean; durationMs: number; phases: { durationMs: number }[] };
    expect(report).toMatchObject({ runId, resumed: true });
    expect(report.durationMs).toBeLessThan(3_600_000);
    expect(report.phases[0]!.durationMs).toBeLessThan(3_600_000);
    expect(await copyDefects(db)).toEqual({ missing: 0, duplicated: 0, copied: ROWS });
  });

  it('resumes the newest unfinished run and names the others; --new --abandon records the abandonment', async () => {
    await db.query('TRUNCATE fixture.dst');
    const [older] = await db.query<{ id: string }>(
      `INSERT INTO pgphase.runs (phases, options, created_by) VALUES ('{backfill}', '{}', 'test') RETURNING id::text`,
    );
    const newer = await interruptedRun();
    const plain = await runCli(['run', '--json'], env());
    expect(plain.code, plain.stderr).toBe(0);
    expect(JSON.parse(plain.stdout)).toMatchObject({ runId: newer, resumed: true, status: 'done' });
    expect(plain.stderr).toContain(`also unfinished: run ${older!.id} [backfill] (interrupted)`);

    const abandoned = await runCli(['run', '--new', '--abandon', '--json'], env());
    expect(abandoned.code, abandoned.stderr).toBe(0);
    expect(abandoned.stderr).toContain(`abandoned run ${older!.id} [backfill] (interrupted)`);
    const [control] = await db.query<{ by: string }>(`SELECT abandoned_by AS by FROM pgphase.run_control WHERE run_id = $1 AND abandoned_at IS NOT NULL`, [
      older!.id,
    ]);
    expect(control?.by).toMatch(/:\d+:/);
    const status = await runCli(['status'], env());
    expect(status.stdout).toMatch(new RegExp(`run ${older!.id} \\[backfill\\] ABANDONED`));
  });
});
