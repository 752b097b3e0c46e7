/**
 * `pgphase report [RUN]`: a run's report (the newest run by default). `--html FILE` writes the
 * visual report, one self-contained page drawn from the ledger; without it, the run's stored
 * summary is printed (as at the end of `pgphase run`), `--json` as JSON.
 */
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { makeContext, withDatabase, type GlobalFlags } from '../cli/context.js';
import { withClient } from '../db/database.js';
import { EXIT, showInput, UsageError } from '../errors.js';
import { buildCharts } from '../report/reportCharts.js';
import { loadReportData } from '../report/reportData.js';
import { renderHtml } from '../report/renderHtml.js';
import type { RunReport } from '../run/report.js';
import { formatReport } from './run.js';

export interface HtmlReportResult {
  readonly runId: string;
  readonly file: string;
  readonly batches: number;
  readonly bytes: number;
}

/** Writes the visual report of `runId` (or of the newest run) to `file`. */
export async function writeHtmlReport(options: { url: string; runId?: string; file: string }): Promise<HtmlReportResult> {
  const data = await withClient(options.url, 'pgphase report', (c) => loadReportData(c, options.runId));
  const html = await renderHtml(data, buildCharts(data));
  try {
    await writeFile(options.file, html);
  } catch (error) {
    throw new UsageError(
      `cannot write ${showInput(options.file)}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      'Pass --html a path in a directory you can write to.',
    );
  }
  return { runId: data.run.id, file: options.file, batches: data.samples.length, bytes: Buffer.byteLength(html) };
}

export function registerReport(program: Command, setExit: (code: number) => void): void {
  program
    .command('report')
    .argument('[run]', 'run id (default: the newest run)')
    .description("a run's report; --html writes a self-contained visual report (charts from the ledger, opens offline)")
    .option('--html <file>', 'write the visual report to this file')
    .option('--json', 'print the stored summary (or, with --html, what was written) as JSON')
    .action(async (run: string | undefined, opts: { html?: string; json?: boolean }) => {
      if (run !== undefined && !/^[0-9]{1,18}$/.test(run))
        throw new UsageError(`a run id is a whole number, not ${showInput(run)}`, 'List runs with `pgphase status`.');
      const ctx = makeContext(program.opts<GlobalFlags>());
      if (opts.html) {
        const file = opts.html;
        const result = await withDatabase(ctx, (db) => writeHtmlReport({ url: db.url, ...(run ? { runId: run } : {}), file }));
        process.stdout.write(
          opts.json ? `${JSON.stringify(result)}\n` : `wrote the report of run ${result.runId} (${result.batches} batches) to ${result.file}\n`,
        );
        setExit(EXIT.ok);
        return;
      }
      const stored = await withDatabase(ctx, (db) =>
        withClient(db.url, 'pgphase report', async (c) => {
          const { rows } = await c.query<{ id: string; report: RunReport | null }>(
            `SELECT id::text, report FROM pgphase.runs WHERE $1::bigint IS NULL OR id = $1::bigint ORDER BY id DESC LIMIT 1`,
            [run ?? null],
          );
          return rows[0];
        }),
      );
      if (!stored) throw new UsageError(run ? `run ${run} does not exist` : 'there is no run yet', 'List runs with `pgphase status`.');
      if (!stored.report)
        throw new UsageError(
          `run ${stored.id} has no stored summary yet (it has not finished)`,
          `\`pgphase report ${stored.id} --html FILE\` draws what the ledger has so far.`,
        );
      process.stdout.write(opts.json ? `${JSON.stringify(stored.report)}\n` : `${formatReport(stored.report)}\n`);
      setExit(EXIT.ok);
    });
}
