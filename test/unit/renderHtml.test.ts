import { describe, expect, it } from 'vitest';
import { buildCharts } from '../../runner/report/reportCharts.js';
import type { ReportData } from '../../runner/report/reportData.js';
import { renderHtml } from '../../runner/report/renderHtml.js';

const hostile = '</script><script>alert(1)</script><!--';
const data: ReportData = {
  run: { id: '3', status: 'abandoned', phases: ['staging'], start: 0, end: 5_000, readAt: 5_000 },
  tables: [{ phase: 'staging', table: hostile, rowsIn: 1, staged: 0, quarantined: 1, batches: 1, retries: 0, estimatedRows: 1 }],
  samples: [
    {
      phase: 'staging',
      table: hostile,
      partition: '1',
      worker: 'w',
      t: 1_000,
      rows: 1,
      staged: 0,
      quarantined: 1,
      ms: 5,
      size: 100,
      retries: 0,
      retrySqlstate: null,
      reasons: { [hostile]: 1 },
    },
  ],
  throttle: [],
  partitions: [],
  errors: [],
  quarantine: [{ reason: `reason ${hostile}`, table: hostile, rows: 1 }],
  events: [{ at: 2_000, kind: 'pause', actor: hostile, detail: { reason: hostile } }],
  runners: [],
  health: [],
};

describe('renderHtml', () => {
  it('embeds data that cannot close its script element, and escapes it in the tables', async () => {
    const html = await renderHtml(data, buildCharts(data));
    expect(html.match(/<script/g)).toHaveLength(3); // the data, uPlot, the page script
    const json = /<script type="application\/json" id="pgphase-report-data">([^<]*)<\/script>/.exec(html)![1]!;
    expect(JSON.parse(json).quarantine[0].reason).toBe(`reason ${hostile}`);
    expect(html).toContain('&#60;/script&#62;');
    expect(html).toMatch(/<tr class="event-pause" data-kind="pause">.*&#60;\/script&#62;/);
  });

  it('an abandoned run reads ABANDONED, and the page has a print stylesheet', async () => {
    const html = await renderHtml(data, buildCharts(data));
    expect(html).toMatch(/<span id="status" class="status-abandoned">ABANDONED<\/span>/);
    expect(html).toMatch(/@media print\{/);
  });

  it('inlines uPlot (with its licence) and names no URL', async () => {
    const html = await renderHtml(data, buildCharts(data));
    expect(html).toMatch(/uPlot \(v1\.6\.32\)/);
    expect(html).toMatch(/Copyright \(c\) \d{4} Leon Sorokin/);
    expect(html).not.toMatch(/[a-z]+:\/\//i);
  });
});
