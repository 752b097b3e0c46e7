/**
 * The alert rules (deploy/prometheus/pgphase-alerts.yml) evaluated by Prometheus' own rule engine:
 * `promtool test rules` (Debian's `prometheus` package; `.ci/run` installs it when missing) over
 * input series shaped as pgphase serves them — each step's counters at 0 from the start of the run
 * (test/unit/runMetrics.test.ts checks that they are) — and, for contrast, as a series born at its
 * first increment, which `increase()` cannot see: the first failed partition would page nobody.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';

const PROMTOOL = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find((p) => existsSync(p)) ?? null;
const RULES = resolve('deploy/prometheus/pgphase-alerts.yml');
const TARGET = { instance: 'runner-1:9187', job: 'pgphase' };
const STEP = { phase: 'staging', table: 'raw.totals' };

const series = (name: string, labels: Record<string, string>, values: string) => ({
  series: `${name}{${Object.entries({ ...TARGET, ...labels })
    .map(([k, v]) => `${k}="${v}"`)
    .join(',')}}`,
  values,
});

/** Runs one promtool rules test; returns its exit code and output. */
function promtool(test: object): { code: number | null; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'pgphase-rules-'));
  const file = join(dir, 'test.yml');
  writeFileSync(file, stringify({ rule_files: [RULES], evaluation_interval: '1m', tests: [test] }));
  const r = spawnSync(PROMTOOL!, ['test', 'rules', file], { encoding: 'utf8' });
  return { code: r.status, output: `${r.stdout}${r.stderr}` };
}

const failedAlert = {
  exp_labels: { instance: TARGET.instance, ...STEP, severity: 'warning' },
  exp_annotations: {
    summary: 'pgphase: a partition of raw.totals failed',
    description: 'By SQLSTATE: pgphase_partition_errors_total{table="raw.totals"}; `pgphase status` names the partition and its error.',
  },
};

describe.skipIf(!PROMTOOL)('the alert rules, evaluated by promtool', () => {
  it('PgphasePartitionFailed fires on the first failed partition of a run, because the counter starts at 0', () => {
    const r = promtool({
      interval: '1m',
      // Scraped each minute: 0 from the start of the run, the first failure at minute 3.
      input_series: [series('pgphase_partition_failures_total', STEP, '0 0 0 1 1 1')],
      alert_rule_test: [
        { eval_time: '2m', alertname: 'PgphasePartitionFailed', exp_alerts: [] },
        { eval_time: '4m', alertname: 'PgphasePartitionFailed', exp_alerts: [failedAlert] },
      ],
    });
    expect(r.output).toMatch(/SUCCESS/);
    expect(r.code).toBe(0);
  });

  it('a series born at its first increment is missed, which is why the counters exist at 0', () => {
    const r = promtool({
      interval: '1m',
      input_series: [series('pgphase_partition_failures_total', STEP, '_ _ _ 1 1 1')],
      alert_rule_test: [{ eval_time: '4m', alertname: 'PgphasePartitionFailed', exp_alerts: [] }],
    });
    expect(r.output).toMatch(/SUCCESS/);
    expect(r.code).toBe(0);
  });

  it('PgphaseQuarantineRateOverBudget fires when over 5% of the rows read go to quarantine from the first batches', () => {
    // 1,000 rows read a minute, 100 of them quarantined: 10%, from a run's first minute.
    const r = promtool({
      interval: '1m',
      input_series: [series('pgphase_rows_in_total', STEP, '0+1000x20'), series('pgphase_rows_quarantined_total', STEP, '0+100x20')],
      alert_rule_test: [
        {
          eval_time: '10m',
          alertname: 'PgphaseQuarantineRateOverBudget',
          exp_alerts: [
            {
              exp_labels: { instance: TARGET.instance, ...STEP, severity: 'warning' },
              exp_annotations: { summary: 'pgphase: 10% of raw.totals quarantined', description: '`pgphase quarantine list` shows the reasons.' },
            },
          ],
        },
      ],
    });
    expect(r.output).toMatch(/SUCCESS/);
    expect(r.code).toBe(0);
  });
});
