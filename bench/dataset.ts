/**
 * The benchmark's data: the raw tables emptied, then `rows` raw rows from the project's own
 * generator (CALL pipeline.generate_sample: set-based, deterministic for a seed), then VACUUM
 * (ANALYZE) on the raw tables so every mode reads them in the same state (hint bits set,
 * visibility map and statistics current). Not part of any mode's time.
 */
import pg from 'pg';

export const RAW_TABLES = ['games', 'moneylines', 'spreads', 'totals'] as const;

export interface Dataset {
  readonly total: number;
  readonly tables: Record<string, number>;
  readonly seconds: number;
}

export async function generateDataset(
  url: string,
  rows: number,
  options: { seed: number; badRatio: number | undefined; say: (line: string) => void },
): Promise<Dataset> {
  options.say(`generating ${rows.toLocaleString('en-US')} raw rows (seed ${options.seed})`);
  const started = performance.now();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`TRUNCATE ${RAW_TABLES.map((t) => `raw.${t}`).join(', ')}, raw.generator_steam_truth RESTART IDENTITY`);
    if (options.badRatio === undefined) await client.query('CALL pipeline.generate_sample($1, $2)', [rows, options.seed]);
    else await client.query('CALL pipeline.generate_sample($1, $2, $3)', [rows, options.seed, options.badRatio]);
    await client.query(`VACUUM (ANALYZE) ${RAW_TABLES.map((t) => `raw.${t}`).join(', ')}`);
    const tables: Record<string, number> = {};
    for (const t of RAW_TABLES) {
      const { rows: count } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM raw.${t}`);
      tables[t] = Number(count[0]!.n);
    }
    const total = Object.values(tables).reduce((a, b) => a + b, 0);
    const seconds = Math.round(performance.now() - started) / 1000;
    options.say(`generated ${total.toLocaleString('en-US')} raw rows in ${seconds.toFixed(1)} s: ${RAW_TABLES.map((t) => `${t} ${tables[t]}`).join(', ')}`);
    return { total, tables, seconds };
  } finally {
    await client.end();
  }
}
