/**
 * `generate`: fills the raw tables with deterministic sample odds, for demos, tests and the
 * benchmark. The work is one CALL of `pipeline.generate_sample` (set-based SQL, see
 * procedures/pipeline_generate_sample.sql and docs/staging.md for the model); this command only
 * validates the options, optionally empties the raw tables first, and reports the row counts.
 */
import { z } from 'zod';
import { anyWhole, flag, share, whole } from '../commands/flags.js';
import { defineCommand } from '../commands/spec.js';
import { withClient } from '../db/database.js';
import { EXIT, UsageError, wrapError } from '../errors.js';
import { withDatabase } from '../session.js';

export interface GenerateOptions {
  /** Total rows across raw.games, raw.moneylines, raw.spreads and raw.totals (>= 1). */
  readonly rows: number;
  /** Any integer: the same seed gives the same rows. */
  readonly seed: number;
  /** Share of rows with a defect staging must reject, in [0, 1]. */
  readonly badRatio: number;
  /** Empty the raw tables (and the steam truth) first, restarting their ids. Default: append. */
  readonly truncate?: boolean;
}

export interface GenerateResult {
  /** Rows added per raw table, keyed by table name (games, moneylines, spreads, totals). */
  readonly rows: Record<string, number>;
  readonly seconds: number;
}

/** The defaults of the CLI: the plan's data set (23,391 records, 8.3% failing), rounded. */
export const GENERATE_DEFAULTS = { rows: 23_400, seed: 1, badRatio: 0.08 } as const;

/** Largest data set one call generates (100M rows take about half an hour here). */
export const MAX_ROWS = 100_000_000;

function checkGenerateOptions(opts: GenerateOptions): void {
  const problems: string[] = [];
  if (!Number.isSafeInteger(opts.rows) || opts.rows < 1 || opts.rows > MAX_ROWS)
    problems.push(`rows must be a whole number from 1 to ${MAX_ROWS}, not ${opts.rows}`);
  if (!Number.isSafeInteger(opts.seed)) problems.push(`seed must be a whole number, not ${opts.seed}`);
  if (!Number.isFinite(opts.badRatio) || opts.badRatio < 0 || opts.badRatio > 1) problems.push(`bad ratio must be within [0, 1], not ${opts.badRatio}`);
  if (problems.length > 0) throw new UsageError(problems.join('; '));
}

export async function generate(url: string, opts: GenerateOptions): Promise<GenerateResult> {
  checkGenerateOptions(opts);
  return withClient(url, 'pgphase generate', async (client) => {
    const started = performance.now();
    await client.query('BEGIN');
    try {
      if (opts.truncate) {
        await client.query('TRUNCATE raw.games, raw.moneylines, raw.spreads, raw.totals, raw.generator_steam_truth RESTART IDENTITY');
      }
      const { rows } = await client.query<{ games: string; moneylines: string; spreads: string; totals: string }>(
        'CALL pipeline.generate_sample($1::bigint, $2::bigint, $3::double precision)',
        [opts.rows, opts.seed, opts.badRatio],
      );
      await client.query('COMMIT');
      const counts = rows[0]!;
      return {
        rows: Object.fromEntries(Object.entries(counts).map(([table, n]) => [table, Number(n)])),
        seconds: (performance.now() - started) / 1000,
      };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw wrapError(error, 'generate failed');
    }
  });
}

export const generateCommand = defineCommand({
  name: 'generate',
  description: 'fill the raw tables with deterministic sample odds, a share of them bad (see docs/staging.md)',
  options: [
    { flags: '--rows <n>', description: 'total rows across the four raw tables', default: String(GENERATE_DEFAULTS.rows) },
    { flags: '--seed <n>', description: 'the same seed gives the same rows', default: String(GENERATE_DEFAULTS.seed) },
    { flags: '--bad-ratio <r>', description: 'share of rows staging must reject, 0 to 1', default: String(GENERATE_DEFAULTS.badRatio) },
    { flags: '--truncate', description: 'empty the raw tables first (default: append)' },
    { flags: '--json', description: 'print the result as JSON on stdout' },
  ],
  input: z.object({ rows: whole(1, MAX_ROWS), seed: anyWhole(), badRatio: share(), truncate: flag(), json: flag() }),
  run: (session, o) => withDatabase(session, (db) => generate(db.url, { rows: o.rows, seed: o.seed, badRatio: o.badRatio, truncate: Boolean(o.truncate) })),
  render: (r, o) => {
    if (o.json) return { stdout: JSON.stringify(r), exitCode: EXIT.ok };
    const total = Object.values(r.rows).reduce((a, b) => a + b, 0);
    const parts = Object.entries(r.rows)
      .map(([t, n]) => `${t} ${n}`)
      .join(', ');
    return { stdout: `generated ${total} raw rows (${parts}) in ${r.seconds.toFixed(1)}s`, exitCode: EXIT.ok };
  },
});
