/**
 * `npm run demo`: the main job on a fresh machine. Starts the embedded PostgreSQL (unless
 * DATABASE_URL is set), applies the migrations, generates a data set shaped like the plan's
 * (about 23,400 raw records with its mix of failures), runs `staging` and `curated` with a
 * progress bar (curated blue-green: built beside the live tables, verified, then promoted), and
 * returns what a DBA wants to see (demoText.ts prints it). Re-running reuses the data: it skips
 * the generation when raw already holds data, resumes an unfinished run, and skips a finished one.
 */
import type pg from 'pg';
import { z } from 'zod';
import { promote } from '../bluegreen/operations.js';
import type { SwapResult } from '../bluegreen/swap.js';
import { anyWhole, flag, whole } from '../commands/flags.js';
import { defineCommand } from '../commands/spec.js';
import { withClient } from '../db/database.js';
import { EXIT } from '../errors.js';
import { migrate } from '../migrate/migrate.js';
import { listQuarantine, type QuarantineSummary } from '../run/quarantine.js';
import type { RunReport } from '../run/report.js';
import { newestDoneRunReport } from '../ledger/reportReads.js';
import { runPipeline } from '../run/runPipeline.js';
import { type Session, withDatabase } from '../session.js';
import { formatDemo } from './demoText.js';
import { generate, GENERATE_DEFAULTS, MAX_ROWS } from './generate.js';
import { PHASES } from './phases.js';

export interface DemoOptions {
  readonly rows: number;
  readonly seed: number;
  readonly workers?: number | undefined;
  readonly regenerate?: boolean | undefined;
}

export interface DemoResult {
  readonly report: RunReport;
  /** Set when this demo promoted curated's verified build. */
  readonly promoted?: SwapResult;
  readonly quarantine: QuarantineSummary;
  /** Columns of one game's features (curated.game_features), scalars only. */
  readonly sample: readonly (readonly [string, unknown])[];
  /** A later scrape appended to raw and staged incrementally: only its rows were read. */
  readonly incremental?: { readonly appended: number; readonly report: RunReport };
}

const NAMES = PHASES.map((p) => p.name);

async function rawRows(client: pg.ClientBase): Promise<number> {
  const { rows } = await client.query<{ n: number }>(
    `SELECT ((SELECT count(*) FROM raw.games) + (SELECT count(*) FROM raw.moneylines)
           + (SELECT count(*) FROM raw.spreads) + (SELECT count(*) FROM raw.totals))::int AS n`,
  );
  return rows[0]!.n;
}

const RAW_BOUND = `(SELECT coalesce(max(ingested_at), '-infinity') FROM raw.games)`;

/**
 * The stored report of a finished run of both phases, when the raw data holds nothing newer than
 * it or than a later finished staging run (the demo's incremental one), if any.
 */
async function finishedRun(client: pg.ClientBase): Promise<RunReport | null> {
  const both = await newestDoneRunReport<RunReport>(client, NAMES, RAW_BOUND);
  if (both) return both;
  const staged = await newestDoneRunReport<RunReport>(client, ['staging'], RAW_BOUND);
  return staged ? newestDoneRunReport<RunReport>(client, NAMES, `'-infinity'::timestamptz`) : null;
}

async function sampleFeatures(client: pg.ClientBase): Promise<[string, unknown][]> {
  const { rows } = await client.query<Record<string, unknown>>(`SELECT f.* FROM curated.game_features f ORDER BY f.game_id LIMIT 1`);
  return Object.entries(rows[0] ?? {})
    .filter(([, v]) => typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean')
    .slice(0, 18);
}

/**
 * A later scrape: 5% more raw rows appended (another seed), then staging again with every step
 * incremental (`run --incremental`): it reads only the keys added since staging last finished.
 */
async function laterScrape(session: Session, url: string, options: DemoOptions, signal?: AbortSignal): Promise<DemoResult['incremental']> {
  const g = await generate(url, { rows: Math.max(100, Math.round(options.rows / 20)), seed: options.seed + 1, badRatio: GENERATE_DEFAULTS.badRatio });
  const appended = Object.values(g.rows).reduce((a, b) => a + b, 0);
  session.log.info(`a later scrape: ${appended} more raw rows appended; staging them incrementally`);
  const report = await runPipeline({
    url,
    phases: ['staging'],
    phaseList: PHASES,
    incremental: 'all',
    ...(options.workers ? { workers: options.workers } : {}),
    progress: 'none',
    log: session.log,
    ...(signal ? { signal } : {}),
  });
  return { appended, report };
}

/** The demo on the database at `url`; progress goes to the session's log. */
export async function demo(session: Session, url: string, options: DemoOptions, signal?: AbortSignal): Promise<DemoResult> {
  const { config } = session;
  const log = (line: string) => session.log.info(line);
  const migrated = await migrate({ url, config });
  log(
    `migrations: ${migrated.applied.length ? `applied ${migrated.applied.join(', ')}` : 'up to date'}; procedures: ${migrated.procedures.length} (re)applied`,
  );

  const existing = await withClient(url, 'pgphase demo', rawRows);
  if (existing === 0 || options.regenerate) {
    const g = await generate(url, { rows: options.rows, seed: options.seed, badRatio: GENERATE_DEFAULTS.badRatio, truncate: true });
    const counts = Object.entries(g.rows).map(([t, n]) => `${t} ${n}`);
    log(`generated ${Object.values(g.rows).reduce((a, b) => a + b, 0)} raw rows (seed ${options.seed}) in ${g.seconds.toFixed(1)} s: ${counts.join(', ')}`);
    if (options.regenerate)
      await withClient(url, 'pgphase demo', (c) =>
        c.query('TRUNCATE staging.games, staging.moneylines, staging.spreads, staging.totals, pgphase.quarantine CASCADE'),
      );
  } else {
    log(`raw already holds ${existing} rows: reusing them (--regenerate to start over)`);
  }

  const done = await withClient(url, 'pgphase demo', finishedRun);
  let report: RunReport;
  let promoted: SwapResult | undefined;
  let incremental: DemoResult['incremental'];
  if (done) {
    log(`staging and curated already ran on this data (run ${done.runId}); showing that run`);
    report = done;
  } else {
    const progress = session.interactive ? 'bar' : 'log';
    report = await runPipeline({
      url,
      phases: NAMES,
      phaseList: PHASES,
      ...(options.workers ? { workers: options.workers } : {}),
      progress,
      log: session.log,
      ...(signal ? { signal } : {}),
    });
    // curated is blue-green: it was built beside the live tables and verified; expose it now.
    if (report.builds?.find((b) => b.phase === 'curated')?.state === 'verified' && !signal?.aborted)
      promoted = await promote({ url, config, phase: 'curated', log: session.log, phaseList: PHASES });
    if (report.status === 'done' && !signal?.aborted) incremental = await laterScrape(session, url, options, signal);
  }
  return withClient(url, 'pgphase demo', async (c) => ({
    report,
    ...(promoted ? { promoted } : {}),
    ...(incremental ? { incremental } : {}),
    quarantine: await listQuarantine(c, { limit: 0 }),
    sample: await sampleFeatures(c),
  }));
}

export const demoCommand = defineCommand({
  name: 'demo',
  description: 'the main job: migrate, generate sample odds, run staging and curated, report',
  options: [
    { flags: '--rows <n>', description: 'raw rows to generate (the plan had 23,391)', default: String(GENERATE_DEFAULTS.rows) },
    { flags: '--seed <n>', description: 'generator seed', default: String(GENERATE_DEFAULTS.seed) },
    { flags: '--workers <n>', description: 'parallel workers (default: see `pgphase run`)' },
    { flags: '--regenerate', description: 'generate the data again even if raw holds some' },
  ],
  input: z.object({ rows: whole(1, MAX_ROWS), seed: anyWhole(), workers: whole(1, 1_024).optional(), regenerate: flag() }),
  run: (session, o, signal) =>
    withDatabase(
      session,
      (db) => {
        if (db.kind === 'external') session.log.info('PostgreSQL: DATABASE_URL');
        return demo(session, db.url, o, signal);
      },
      { embeddedAsked: true },
    ),
  render: (r) => ({ stdout: formatDemo(r), exitCode: r.report.status === 'done' ? EXIT.ok : EXIT.failed }),
});
