/**
 * `pgphase report [RUN]`: a run's report (the newest run by default). `--html FILE` writes the
 * visual report, one self-contained page drawn from the ledger; without it, the run's stored
 * summary is printed (as at the end of `pgphase run`), `--json` as JSON.
 */
import { writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { withClient } from '../db/database.js';
import { EXIT, showInput, UsageError } from '../errors.js';
import { buildCharts } from '../report/reportCharts.js';
import { loadReportData } from '../report/reportData.js';
import { renderHtml } from '../report/renderHtml.js';
import type { RunReport } from '../run/report.js';
import { storedRunReport } from '../ledger/reportReads.js';
import { withDatabase } from '../session.js';
import { flag, runId } from './flags.js';
import { formatReport } from './formatReport.js';
import { defineCommand } from './spec.js';

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

type ReportOutcome = { readonly html: HtmlReportResult } | { readonly stored: RunReport };

export const reportCommand = defineCommand({
  name: 'report',
  description: "a run's report; --html writes a self-contained visual report (charts from the ledger, opens offline)",
  args: [{ name: '[run]', description: 'run id (default: the newest run)' }],
  options: [
    { flags: '--html <file>', description: 'write the visual report to this file' },
    { flags: '--json', description: 'print the stored summary (or, with --html, what was written) as JSON' },
  ],
  input: z.object({ run: runId().optional(), html: z.string().optional(), json: flag() }),
  run: (session, o): Promise<ReportOutcome> =>
    withDatabase(session, async (db) => {
      if (o.html) return { html: await writeHtmlReport({ url: db.url, ...(o.run ? { runId: o.run } : {}), file: o.html }) };
      return { stored: await storedReport(db.url, o.run) };
    }),
  render: (r, o) => {
    if ('html' in r)
      return {
        stdout: o.json ? JSON.stringify(r.html) : `wrote the report of run ${r.html.runId} (${r.html.batches} batches) to ${r.html.file}`,
        exitCode: EXIT.ok,
      };
    return { stdout: o.json ? JSON.stringify(r.stored) : formatReport(r.stored), exitCode: EXIT.ok };
  },
});

/** The stored summary of run `run` (or of the newest run); a usage error when there is none yet. */
async function storedReport(url: string, run: string | undefined): Promise<RunReport> {
  const stored = await withClient(url, 'pgphase report', async (c) => {
    return storedRunReport<RunReport>(c, run ?? null);
  });
  if (!stored) throw new UsageError(run ? `run ${run} does not exist` : 'there is no run yet', 'List runs with `pgphase status`.');
  if (!stored.report)
    throw new UsageError(
      `run ${stored.id} has no stored summary yet (it has not finished)`,
      `\`pgphase report ${stored.id} --html FILE\` draws what the ledger has so far.`,
    );
  return stored.report;
}
