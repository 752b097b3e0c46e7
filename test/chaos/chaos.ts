/**
 * The chaos loop: a pipeline run (staging, then curated) over generated data while runner
 * processes are SIGKILLed at random moments, random runner backends are terminated, and the
 * server is restarted once — on a dedicated embedded PostgreSQL, so that nothing else is hurt.
 * One seed drives the generated data and the whole schedule of disturbances (test/chaos/schedule.ts:
 * order, waits, victims), so a failing run can be replayed with PGPHASE_CHAOS_SEED. Only the
 * disturbances made during the chaos window are counted; the runners stopped at its end are not.
 * When the chaos stops (schedule done, time up, or most of the run done), a final `pgphase run`
 * resumes the run and finishes it, and then:
 * - for every raw table, every row is staged or quarantined, never both, never neither;
 * - every committed batch is on record (test/chaos/audit.ts) and no two share a key: a batch
 *   applied twice is seen directly, not only through what an idempotent write leaves;
 * - staging, the quarantine (with its attempts) and curated's feature tables equal those of an
 *   undisturbed run of the same data in another database of the same server (compared by a
 *   checksum that leaves out run ids, timestamps of processing and surrogate ids).
 *
 * `npm run test:chaos` runs the long form (PGPHASE_CHAOS_SEED, PGPHASE_CHAOS_ROWS,
 * PGPHASE_CHAOS_SECONDS, PGPHASE_CHAOS_KILLS, PGPHASE_CHAOS_TERMINATIONS tune it);
 * test/integration/chaos.test.ts runs a short one inside `npm test`. Every loop here is bounded
 * in count and time.
 */
import { randomInt } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ChildProcess } from 'node:child_process';
import pg from 'pg';
import { parseConfig } from '../../runner/config.js';
import { type EmbeddedServer, startEmbedded } from '../../runner/db/embedded.js';
import { migrate } from '../../runner/migrate/migrate.js';
import { runPipeline } from '../../runner/run/runPipeline.js';
import { PHASES } from '../../runner/odds/phases.js';
import { type CliResult, runCli, startCli } from '../support/cli.js';
import { AUDIT_DEFECTS, type AuditDefects, INSTALL_AUDIT } from './audit.js';
import { type ChaosStep, chaosSchedule, pickIndex } from './schedule.js';

export interface ChaosOptions {
  /** Raw rows generated (pgphase generate's model, 8% bad). */
  readonly rows: number;
  /** Seeds the schedule of disturbances, and the generated data unless dataSeed is given. */
  readonly seed: number;
  readonly dataSeed?: number;
  /** How long the disturbances may go on, in ms. */
  readonly chaosMs: number;
  readonly maxKills: number;
  readonly maxTerminations: number;
  /** Runner processes kept alive at once during the chaos. */
  readonly runners: number;
  /** Latency added to every ledger update of the disturbed run, so that there is time to disturb it. */
  readonly batchSleepMs: number;
  /** Stop disturbing once this share of the run's partitions is done (a final run must have work left). */
  readonly stopAtDone: number;
  readonly log?: (line: string) => void;
}

export interface ChaosResult {
  readonly rows: number;
  readonly seed: number;
  /** Disturbances made during the chaos window (the runners stopped at its end are in stoppedAtEnd). */
  readonly kills: number;
  readonly terminations: number;
  readonly restarts: number;
  readonly stoppedAtEnd: number;
  /** The schedule's steps carried out, in order (`terminate:none` when no backend was there to pick). */
  readonly executed: string[];
  /** Committed batches on record, overlapping ones and partitions not covered exactly once. */
  readonly audit: AuditDefects;
  /** Runner processes that exited on their own during the chaos, with their exit codes. */
  readonly runnerExits: (number | null)[];
  readonly retries: number;
  readonly failedPartitions: number;
  readonly runs: { id: string; status: string }[];
  readonly finalRun: { code: number | null; status?: string; resumed?: boolean } | 'finished during the chaos';
  /** Raw rows that are in neither or both of staging and the quarantine, per table. */
  readonly invariantViolations: Record<string, number>;
  readonly checksums: { disturbed: Record<string, string>; reference: Record<string, string> };
  readonly seconds: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const RAW = ['games', 'moneylines', 'spreads', 'totals'];
const RUN_ARGS = ['run', '--in-place', '--workers', '2', '--batch-initial', '100', '--batch-min', '50', '--batch-max', '100', '--target-ms', '100'];

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** One short-lived connection; failures (the server is restarting) are returned, not thrown. */
async function tryQuery<T extends pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<T[] | Error> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  client.on('error', () => {});
  try {
    await client.connect();
    return (await client.query<T>(sql, params)).rows;
  } catch (error) {
    return error as Error;
  } finally {
    await client.end().catch(() => {});
  }
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const rows = await tryQuery<T>(url, sql, params);
  if (rows instanceof Error) throw rows;
  return rows;
}

/**
 * Checksums of what the phases produced, by table, leaving out what legitimately differs between
 * two runs of the same data: run ids, processing and seen-at times, and surrogate ids
 * (market and feature rows name their game by external_game_id instead of staging.games.id).
 * The quarantine's attempts stay in: a rejected row quarantined by a batch applied twice counts
 * two attempts, which its other columns would not show.
 */
export async function resultChecksums(url: string): Promise<Record<string, string>> {
  const tables: Record<string, string> = {
    'staging.games': `SELECT to_jsonb(t) - 'id' - 'run_id' - 'processed_at' FROM staging.games t`,
    'pgphase.quarantine': `SELECT to_jsonb(t) - 'id' - 'run_id' - 'first_seen_at' - 'last_seen_at' FROM pgphase.quarantine t`,
  };
  for (const m of ['moneylines', 'spreads', 'totals']) {
    tables[`staging.${m}`] = `SELECT to_jsonb(t) - 'id' - 'run_id' - 'processed_at' - 'game_id' || jsonb_build_object('game', g.external_game_id)
                                FROM staging.${m} t JOIN staging.games g ON g.id = t.game_id`;
  }
  const curated = await query<{ name: string }>(
    url,
    `SELECT format('%I.%I', table_schema, table_name) AS name FROM information_schema.columns
      WHERE table_schema = 'curated' AND column_name = 'game_id' ORDER BY 1`,
  );
  for (const { name } of curated) {
    tables[name] = `SELECT to_jsonb(t) - 'game_id' || jsonb_build_object('game', g.external_game_id) FROM ${name} t JOIN staging.games g ON g.id = t.game_id`;
  }
  // curated.market_snapshots.source_id is the raw id, stable across runs: compared as it is.
  const out: Record<string, string> = {};
  for (const [name, sql] of Object.entries(tables)) {
    const [row] = await query<{ n: string; md5: string | null }>(
      url,
      `SELECT count(*)::text AS n, md5(string_agg(x::text, E'\\n' ORDER BY x::text)) AS md5 FROM (${sql}) s (x)`,
    );
    out[name] = `${row!.n} rows ${row!.md5 ?? '-'}`;
  }
  return out;
}

async function invariant(url: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of RAW) {
    const [row] = await query<{ bad: number }>(
      url,
      `SELECT count(*)::int AS bad FROM raw.${t} r
        WHERE EXISTS (SELECT 1 FROM staging.${t} s WHERE s.source_raw_id = r.id)
            = EXISTS (SELECT 1 FROM pgphase.quarantine q WHERE q.source_table = 'raw.${t}' AND q.source_id = r.id)`,
    );
    out[t] = row!.bad;
  }
  return out;
}

/** Runs the chaos loop on a fresh embedded server and returns what happened and what it left. */
export async function runChaos(options: ChaosOptions): Promise<ChaosResult> {
  const log = options.log ?? (() => {});
  const started = Date.now();
  log(`seed ${options.seed} (replay with PGPHASE_CHAOS_SEED=${options.seed})`);
  const dir = await mkdtemp(join(tmpdir(), 'pgphase-chaos-'));
  let server: EmbeddedServer = await startEmbedded({ dataDir: join(dir, 'pgdata'), durable: false, settings: { max_connections: '100' } });
  const port = server.port;
  const children = new Set<{ child: ChildProcess; done: Promise<CliResult> }>();
  try {
    const admin = server.url;
    for (const db of ['chaos_reference', 'chaos_disturbed']) await query(admin, `CREATE DATABASE ${db}`);
    const reference = withDatabase(admin, 'chaos_reference');
    const disturbed = withDatabase(admin, 'chaos_disturbed');
    for (const url of [reference, disturbed]) {
      await migrate({ url, config: parseConfig({ databaseUrl: url }) });
      await query(url, `CALL pipeline.generate_sample($1, $2, 0.08)`, [options.rows, options.dataSeed ?? options.seed]);
    }
    log(`generated ${options.rows} rows (seed ${options.dataSeed ?? options.seed}) twice; running the reference undisturbed`);
    const undisturbed = await runPipeline({ url: reference, phaseList: PHASES, workers: 2, inPlace: true });
    if (undisturbed.status !== 'done') throw new Error(`the reference run ended ${undisturbed.status}`);

    // The record of every committed batch (kept through the final run), and latency on every
    // ledger update of the disturbed database only: each batch commits slower.
    await query(disturbed, INSTALL_AUDIT);
    await query(
      disturbed,
      `CREATE FUNCTION pipeline.chaos_latency() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN PERFORM pg_sleep(${options.batchSleepMs} / 1000.0); RETURN NULL; END $$;
       CREATE TRIGGER chaos_latency AFTER UPDATE ON pgphase.partitions FOR EACH STATEMENT EXECUTE FUNCTION pipeline.chaos_latency()`,
    );

    // A short lease: a SIGKILLed runner's partitions are taken over 3 s after its last heartbeat.
    const env = { DATABASE_URL: disturbed, PGPHASE_LEASE: '3s' };
    const runnerExits: (number | null)[] = [];
    const spawn = () => {
      const entry = startCli(RUN_ARGS, env, options.chaosMs + 180_000);
      children.add(entry);
      void entry.done.then((r) => {
        if (children.delete(entry)) runnerExits.push(r.code);
      });
    };
    /** Share of the raw rows processed so far (the curated phase adds a little more), and the run's status. */
    const progress = async (): Promise<{ done: number; planned: boolean; status: string | null }> => {
      const rows = await tryQuery<{ rows: number; planned: boolean; status: string | null }>(
        disturbed,
        `SELECT coalesce(sum(rows_in), 0)::float8 AS rows, count(*) > 0 AS planned, (SELECT status FROM pgphase.runs ORDER BY id LIMIT 1) AS status
           FROM pgphase.partitions`,
      );
      return rows instanceof Error ? { done: 0, planned: false, status: null } : { ...rows[0]!, done: rows[0]!.rows / options.rows };
    };

    let kills = 0;
    let terminations = 0;
    let restarts = 0;
    const executed: string[] = [];
    const schedule: ChaosStep[] = chaosSchedule(options.seed, { kills: options.maxKills, terminations: options.maxTerminations, restarts: 1 });
    for (let i = 0; i < options.runners; i++) spawn();
    // Wait for the run to be planned before disturbing it (bounded); the chaos window starts then.
    for (let i = 0; i < 300 && !(await progress()).planned; i++) await sleep(100);
    const chaosEnd = Date.now() + options.chaosMs;

    for (const [index, step] of schedule.entries()) {
      await sleep(step.waitMs);
      if (Date.now() >= chaosEnd) break;
      const p = await progress();
      if (p.status === 'done' || p.done >= options.stopAtDone) break;
      while (children.size < options.runners) spawn();
      const { action } = step;
      if (action.kind === 'restart') {
        log(`step ${index}: restarting the server (${Math.round(p.done * 100)}% of the rows done)`);
        await server.stop();
        await sleep(action.pauseMs);
        server = await startEmbedded({ dataDir: join(dir, 'pgdata'), durable: false, port, settings: { max_connections: '100' } });
        restarts++;
        executed.push('restart');
      } else if (action.kind === 'kill') {
        const victim = [...children][pickIndex(action.pick, children.size)]!;
        children.delete(victim);
        victim.child.kill('SIGKILL');
        await victim.done;
        kills++;
        executed.push('kill');
        spawn();
      } else {
        // Runner backends in a stable order (by pid), so that the pick names the same rank each replay.
        const rows = await tryQuery<{ pid: number }>(
          admin,
          `SELECT pid FROM pg_stat_activity
            WHERE datname = 'chaos_disturbed' AND application_name LIKE 'pgphase run%' AND pid <> pg_backend_pid() ORDER BY pid`,
        );
        const pid = rows instanceof Error || rows.length === 0 ? undefined : rows[pickIndex(action.pick, rows.length)]!.pid;
        const done = pid === undefined ? undefined : await tryQuery<{ ok: boolean }>(admin, `SELECT pg_terminate_backend($1) AS ok`, [pid]);
        const ok = done !== undefined && !(done instanceof Error) && done[0]?.ok === true;
        if (ok) terminations++;
        executed.push(ok ? 'terminate' : 'terminate:none');
      }
    }
    log(`chaos over: ${kills} kills, ${terminations} backends terminated, ${restarts} restart(s) in the chaos window; stopping the runners`);
    let stoppedAtEnd = 0;
    for (const entry of [...children]) {
      children.delete(entry);
      entry.child.kill('SIGKILL');
      await entry.done;
      stoppedAtEnd++;
    }

    await query(disturbed, `DROP TRIGGER chaos_latency ON pgphase.partitions; DROP FUNCTION pipeline.chaos_latency()`);
    const before = await progress();
    let finalRun: ChaosResult['finalRun'] = 'finished during the chaos';
    if (before.status !== 'done') {
      const r = await runCli([...RUN_ARGS, '--json'], env, 180_000);
      let report: { status?: string; resumed?: boolean } = {};
      try {
        report = JSON.parse(r.stdout) as typeof report;
      } catch {
        log(`final run printed no report: ${r.stderr.slice(-2000)}`);
      }
      finalRun = { code: r.code, status: report.status, resumed: report.resumed };
    }
    const [ledger] = await query<{ retries: number; failed: number }>(
      disturbed,
      `SELECT coalesce(sum(retries), 0)::int AS retries, count(*) FILTER (WHERE status = 'failed')::int AS failed FROM pgphase.partitions`,
    );
    const runs = await query<{ id: string; status: string }>(disturbed, `SELECT id::text, status FROM pgphase.runs ORDER BY id`);
    const [audit] = await query<AuditDefects & pg.QueryResultRow>(disturbed, AUDIT_DEFECTS);
    return {
      rows: options.rows,
      seed: options.seed,
      kills,
      terminations,
      restarts,
      stoppedAtEnd,
      executed,
      audit: audit!,
      runnerExits,
      retries: ledger!.retries,
      failedPartitions: ledger!.failed,
      runs,
      finalRun,
      invariantViolations: await invariant(disturbed),
      checksums: { disturbed: await resultChecksums(disturbed), reference: await resultChecksums(reference) },
      seconds: Math.round((Date.now() - started) / 100) / 10,
    };
  } finally {
    for (const entry of children) entry.child.kill('SIGKILL');
    await Promise.all([...children].map((e) => e.done.catch(() => {})));
    await server.stop().catch(() => {});
    await rm(dir, { recursive: true, force: true }).catch(() => {});
  }
}

/** The long form, for `npm run test:chaos`: prints the result and exits 0 when it holds. */
async function main(): Promise<number> {
  const number = (name: string, fallback: number) => (process.env[name] ? Number(process.env[name]) : fallback);
  const seed = number('PGPHASE_CHAOS_SEED', randomInt(1_000_000));
  const log = (line: string) => process.stderr.write(`chaos: ${line}\n`);
  const result = await runChaos({
    rows: number('PGPHASE_CHAOS_ROWS', 150_000),
    seed,
    chaosMs: number('PGPHASE_CHAOS_SECONDS', 180) * 1000,
    maxKills: number('PGPHASE_CHAOS_KILLS', 80),
    maxTerminations: number('PGPHASE_CHAOS_TERMINATIONS', 160),
    runners: 2,
    batchSleepMs: number('PGPHASE_CHAOS_BATCH_SLEEP_MS', 60),
    stopAtDone: 0.9,
    log,
  });
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  const verdict = chaosVerdict(result);
  log(`${verdict.ok ? 'OK' : 'FAILED'}: ${verdict.lines.join('; ')}; ${result.seconds} s; seed ${result.seed}`);
  return verdict.ok ? 0 : 1;
}

/** Whether a chaos run held up, with one line per check. */
export function chaosVerdict(result: ChaosResult): { ok: boolean; lines: string[] } {
  const same = JSON.stringify(result.checksums.disturbed) === JSON.stringify(result.checksums.reference);
  const whole = Object.values(result.invariantViolations).every((n) => n === 0);
  const once = result.audit.overlaps === 0 && result.audit.uncovered === 0;
  const finished = result.finalRun === 'finished during the chaos' || (result.finalRun.code === 0 && result.finalRun.status === 'done');
  return {
    ok: same && whole && once && finished,
    lines: [
      `results ${same ? 'equal' : 'DIFFER from'} the undisturbed run's`,
      `invariant ${whole ? 'holds' : 'BROKEN'}`,
      `${result.audit.batches} batches on record, ${result.audit.overlaps} applied twice, ${result.audit.uncovered} partitions not covered once`,
      `final run ${finished ? 'done' : 'NOT done'}`,
      `${result.kills} kills, ${result.terminations} terminations, ${result.restarts} restart(s) in the chaos window`,
    ],
  };
}

if (process.argv[1] && pathToFileURL(resolve(process.argv[1])).href === import.meta.url) {
  process.exit(await main());
}
