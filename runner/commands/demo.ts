/**
 * `npm run demo`: the main job on a fresh machine. Starts the embedded PostgreSQL (unless
 * DATABASE_URL is set), applies the migrations, generates a data set shaped like the plan's
 * (about 23,400 raw records with its mix of failures), runs `staging` and `curated` with a
 * progress bar (curated blue-green: built beside the live tables, verified, then promoted), and
 * prints what a DBA wants to see. Re-running reuses the data: it skips the
 * generation when raw already holds data, resumes an unfinished run, and skips a finished one.
 */
import type { Command } from 'commander';
import type pg from 'pg';
import { type CommandContext, makeContext, withDatabase, type GlobalFlags } from '../cli/context.js';
import { withClient } from '../db/database.js';
import { EXIT, UsageError } from '../errors.js';
import { migrate } from '../migrate/migrate.js';
import { listQuarantine } from '../run/quarantine.js';
import type { RunReport } from '../run/report.js';
import { runPipeline } from '../run/runPipeline.js';
import { generate, MAX_ROWS } from './generate.js';
import { formatReport } from './run.js';
import { promote } from '../bluegreen/operations.js';
import type { SwapResult } from '../bluegreen/swap.js';
import { formatSwap } from './promote.js';

export interface DemoOptions {
  readonly rows: number;
  readonly seed: number;
  readonly workers?: number;
  readonly regenerate: boolean;
}

const PHASES = ['staging', 'curated'];

async function rawRows(client: pg.ClientBase): Promise<number> {
  const { rows } = await client.query<{ n: number }>(
    `SELECT ((SELECT count(*) FROM raw.games) + (SELECT count(*) FROM raw.moneylines)
           + (SELECT count(*) FROM raw.spreads) + (SELECT count(*) FROM raw.totals))::int AS n`,
  );
  return rows[0]!.n;
}

/** The stored report of a finished run of both phases that is newer than the raw data, if any. */
async function finishedRun(client: pg.ClientBase): Promise<RunReport | null> {
  const { rows } = await client.query<{ report: RunReport | null }>(
    `SELECT report FROM pgphase.runs r
      WHERE r.phases = $1::text[] AND r.status = 'done'
        AND r.started_at > (SELECT coalesce(max(ingested_at), '-infinity') FROM raw.games)
      ORDER BY id DESC LIMIT 1`,
    [PHASES],
  );
  return rows[0]?.report ?? null;
}

async function sampleFeatures(client: pg.ClientBase): Promise<string[]> {
  const { rows } = await client.query<Record<string, unknown>>(`SELECT f.* FROM curated.game_features f ORDER BY f.game_id LIMIT 1`);
  const game = rows[0];
  if (!game) return ['  (no game features)'];
  return Object.entries(game)
    .filter(([, v]) => v !== null && (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean'))
    .slice(0, 18)
    .map(([k, v]) => `  ${k.padEnd(34)} ${typeof v === 'number' ? Number(v.toFixed(6)) : String(v)}`);
}

function percent(part: number, whole: number): string {
  return whole ? `${((part / whole) * 100).toFixed(1)}%` : '-';
}

export async function demo(url: string, options: DemoOptions, ctx: CommandContext, progress: 'bar' | 'log' | 'none'): Promise<RunReport> {
  const { config } = ctx;
  const log = (line: string) => ctx.log.info(line);
  const migrated = await migrate({ url, config });
  log(
    `migrations: ${migrated.applied.length ? `applied ${migrated.applied.join(', ')}` : 'up to date'}; procedures: ${migrated.procedures.length} (re)applied`,
  );

  const existing = await withClient(url, 'pgphase demo', rawRows);
  if (existing === 0 || options.regenerate) {
    const g = await generate(url, { rows: options.rows, seed: options.seed, badRatio: 0.08, truncate: true });
    log(
      `generated ${Object.values(g.rows).reduce((a, b) => a + b, 0)} raw rows (seed ${options.seed}) in ${g.seconds.toFixed(1)} s: ${Object.entries(g.rows)
        .map(([t, n]) => `${t} ${n}`)
        .join(', ')}`,
    );
    if (options.regenerate) {
      await withClient(url, 'pgphase demo', (c) =>
        c.query('TRUNCATE staging.games, staging.moneylines, staging.spreads, staging.totals, pgphase.quarantine CASCADE'),
      );
    }
  } else {
    log(`raw already holds ${existing} rows: reusing them (--regenerate to start over)`);
  }

  const done = await withClient(url, 'pgphase demo', finishedRun);
  let report: RunReport;
  let promoted: SwapResult | undefined;
  if (done) {
    log(`staging and curated already ran on this data (run ${done.runId}); showing that run`);
    report = done;
  } else {
    report = await runPipeline({ url, phases: PHASES, ...(options.workers ? { workers: options.workers } : {}), progress, log: ctx.log });
    // curated is blue-green: it was built beside the live tables and verified; expose it now.
    if (report.builds?.find((b) => b.phase === 'curated')?.state === 'verified') promoted = await promote({ url, config, phase: 'curated', log: ctx.log });
  }

  await withClient(url, 'pgphase demo', async (c) => {
    const q = await listQuarantine(c, { limit: 0 });
    const staging = report.phases.find((p) => p.phase === 'staging');
    const curated = report.phases.find((p) => p.phase === 'curated');
    const lines = ['', formatReport(report), ''];
    if (staging) {
      lines.push(
        `staging: ${staging.rowsIn} raw rows in, ${staging.written} staged, ${staging.rejected} quarantined — success rate ${percent(staging.written, staging.rowsIn)}`,
      );
      lines.push(
        `         ${(staging.durationMs / 1000).toFixed(2)} s, ${staging.rowsPerSec} rows/s (the plan: ~6 minutes for 23,391 rows, 8.3% lost to an overflow)`,
      );
      lines.push('quarantined by reason:');
      const reasons = new Map<string, { rows: number; tables: string[] }>();
      for (const g of q.byReason) {
        const r = reasons.get(g.reason) ?? { rows: 0, tables: [] };
        r.rows += g.rows;
        r.tables.push(`${g.table.replace(/^raw\./, '')} ${g.rows}`);
        reasons.set(g.reason, r);
      }
      for (const [reason, r] of [...reasons].sort((a, b) => b[1].rows - a[1].rows)) {
        lines.push(`  ${String(r.rows).padStart(8)}  ${reason.padEnd(24)} ${r.tables.join(', ')}`);
      }
    }
    if (curated) lines.push(`curated: features for ${curated.written} games in ${(curated.durationMs / 1000).toFixed(2)} s (${curated.rowsPerSec} games/s)`);
    const build = report.builds?.find((b) => b.phase === 'curated');
    if (build) {
      lines.push(
        `         blue-green: built in ${build.schema} while readers kept reading curated; checks ${build.state === 'verified' ? 'passed' : 'FAILED'}: ${build.checks.map((k) => `${k.name} ${k.passed ? 'ok' : 'FAILED'}`).join(', ')}`,
      );
    }
    if (promoted)
      lines.push(
        `         ${formatSwap('promoted', promoted)}`,
        '         undo with `npm run pgphase -- rollback curated` (one short transaction; see docs/rollback.md)',
      );
    lines.push('features of a sample game (curated.game_features):', ...(await sampleFeatures(c)));
    lines.push(
      '',
      'look further:',
      '  npm run pgphase -- status                     # migrations, runs and their reports',
      '  npm run pgphase -- quarantine list --reason duplicate_snapshot',
      '  npm run pgphase -- quarantine replay          # after fixing rows in raw',
      '  npm run pgphase -- run --new                  # run the phases again (curated builds beside the live tables)',
      '  npm run pgphase -- promote curated            # expose a verified curated build',
      '  npm run pgphase -- rollback curated           # back to the previous feature set',
      '',
      'on a production primary (see README, "Running on a production primary"):',
      '  the error budget is off here, so that the planted bad rows still run; set it with',
      '  npm run pgphase -- run --new --max-quarantine-rate 0.05 --max-failed-partitions 0',
      '  npm run pgphase -- pause | resume | tune --workers 2   # from any host, while a run works',
    );
    process.stdout.write(`${lines.join('\n')}\n`);
  });
  return report;
}

export function registerDemo(program: Command, setExit: (code: number) => void): void {
  program
    .command('demo')
    .description('the main job: migrate, generate sample odds, run staging and curated, report')
    .option('--rows <n>', 'raw rows to generate (the plan had 23,391)', '23400')
    .option('--seed <n>', 'generator seed', '1')
    .option('--workers <n>', 'parallel workers (default: see `pgphase run`)')
    .option('--regenerate', 'generate the data again even if raw holds some')
    .action(async (opts: { rows: string; seed: string; workers?: string; regenerate?: boolean }) => {
      const ctx = makeContext(program.opts<GlobalFlags>());
      const rows = Number(opts.rows);
      const seed = Number(opts.seed);
      const workers = opts.workers === undefined ? undefined : Number(opts.workers);
      if (!Number.isSafeInteger(rows) || rows < 1 || rows > MAX_ROWS)
        throw new UsageError(`--rows must be a whole number from 1 to ${MAX_ROWS}, not ${JSON.stringify(opts.rows)}`);
      if (!Number.isSafeInteger(seed)) throw new UsageError(`--seed must be a whole number, not ${JSON.stringify(opts.seed)}`);
      if (workers !== undefined && (!Number.isInteger(workers) || workers < 1 || workers > 256))
        throw new UsageError(`--workers must be a whole number from 1 to 256`);
      const report = await withDatabase(ctx, (db) => {
        ctx.log.info(db.kind === 'embedded' ? `PostgreSQL: embedded server, data in ${ctx.config.home}/pgdata` : 'PostgreSQL: DATABASE_URL');
        return demo(db.url, { rows, seed, workers, regenerate: Boolean(opts.regenerate) }, ctx, process.stderr.isTTY ? 'bar' : 'log');
      });
      setExit(report.status === 'done' ? EXIT.ok : EXIT.failed);
    });
}
