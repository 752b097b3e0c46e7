/**
 * limit: the staging transformation as one plain INSERT ... SELECT per table (the procedures'
 * casts and checks, valid rows only), on one connection, each statement its own transaction:
 * no key ranges, no ledger, no quarantine, no savepoints. The speed of light for this work on
 * this server. The SQL is sql/bench_limit_staging.sql, cut into one statement per table at its
 * `-- table: <name>` markers so that each table is timed.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { type Mode, rate } from './types.js';

export const LIMIT_SQL = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'sql', 'bench_limit_staging.sql');

/** The file's statements by table, in file order (games first: markets look their game up). */
export function limitStatements(text: string): { table: string; sql: string }[] {
  return text
    .split(/^-- table: /m)
    .slice(1)
    .map((part) => {
      const newline = part.indexOf('\n');
      return { table: part.slice(0, newline).trim(), sql: part.slice(newline + 1).trim() };
    });
}

export const limitMode: Mode = {
  name: 'limit',
  start: 'clean',
  async run(ctx) {
    const statements = limitStatements(readFileSync(LIMIT_SQL, 'utf8'));
    const client = new pg.Client({ connectionString: ctx.url, application_name: 'pgphase bench limit' });
    await client.connect();
    try {
      const perTable: Record<string, { seconds: number; inserted: number }> = {};
      let staged = 0;
      const started = performance.now();
      for (const { table, sql } of statements) {
        const t = performance.now();
        const result = await client.query(sql);
        perTable[table] = { seconds: Math.round(performance.now() - t) / 1000, inserted: result.rowCount ?? 0 };
        staged += result.rowCount ?? 0;
      }
      const seconds = (performance.now() - started) / 1000;
      return {
        seconds,
        rows: ctx.rows,
        rowsPerSec: rate(ctx.rows, seconds),
        staged,
        workers: 1,
        what: 'one INSERT ... SELECT per table (procedures\' casts and checks, valid rows only), autocommit, 1 connection',
        detail: { perTable },
      };
    } finally {
      await client.end();
    }
  },
};
