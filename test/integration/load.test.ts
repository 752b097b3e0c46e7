/**
 * `pgphase load` (client-side COPY in chunks; bad lines reported by line and left out, never the
 * load) and `pgphase url` (the server's connection string; the embedded server held up until
 * Ctrl-C so that psql or a script can reach it).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvFields } from '../../runner/load/csvRecords.js';
import { runCli, startCli } from '../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

describe('pgphase load', () => {
  let db: TestDatabase;
  const dir = mkdtempSync(join(tmpdir(), 'pgphase-load-'));
  beforeAll(async () => {
    db = await createTestDatabase({ empty: true });
    await db.query('CREATE SCHEMA raw; CREATE TABLE raw.orders (id bigint PRIMARY KEY, amount numeric(10, 2) NOT NULL, note text, at timestamptz)');
  });
  afterAll(() => db?.drop());

  it('loads every good line in chunks and reports each bad one by its line, quoted newlines and commas kept', async () => {
    const lines = ['id,amount,note,at'];
    for (let i = 1; i <= 1_200; i++) {
      if (i === 7) lines.push('7,not-a-number,bad amount,');
      else if (i === 500)
        lines.push('500,5.00'); // a missing field
      else if (i === 900) lines.push(`900,9.00,"a note, with a comma,\na newline and ""quotes""",2026-12-07T10:00:00Z`);
      else lines.push(`${i},${(i / 4).toFixed(2)},note ${i},`);
    }
    const file = join(dir, 'orders.csv');
    writeFileSync(file, `${lines.join('\r\n')}\r\n`);
    const r = await runCli(['load', 'raw.orders', file, '--chunk', '250', '--json'], { DATABASE_URL: db.url });
    expect(r.code, r.stderr).toBe(1); // some lines were left out
    const result = JSON.parse(r.stdout) as { loaded: number; bad: { line: number; error: string }[]; chunks: number; columns: string[] };
    expect(result).toMatchObject({ loaded: 1_198, chunks: 5, columns: ['id', 'amount', 'note', 'at'] });
    expect(result.bad.map((b) => b.line)).toEqual([8, 501]); // file lines: the header is line 1
    expect(result.bad[0]!.error).toMatch(/invalid input syntax for type numeric: "not-a-number"/);
    expect(result.bad[1]!.error).toMatch(/missing data for column "note"/);
    expect(r.stderr).toMatch(/orders\.csv:8: invalid input syntax/);
    expect(await db.query(`SELECT count(*)::int AS n, sum(id)::text AS ids FROM raw.orders`)).toEqual([
      { n: 1_198, ids: String((1_200 * 1_201) / 2 - 7 - 500) },
    ]);
    expect(await db.query(`SELECT note FROM raw.orders WHERE id = 900`)).toEqual([{ note: 'a note, with a comma,\na newline and "quotes"' }]);
  });

  it('refuses a header naming a column the table lacks, and stops past --max-bad bad lines', async () => {
    const wrong = join(dir, 'wrong.csv');
    writeFileSync(wrong, 'id,price\n1,2\n');
    const r = await runCli(['load', 'raw.orders', wrong], { DATABASE_URL: db.url });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot load wrong\.csv into raw\.orders: column "price" does not exist/);
    const garbage = join(dir, 'garbage.csv');
    writeFileSync(garbage, `id,amount\n${Array.from({ length: 50 }, (_, i) => `x${i},y`).join('\n')}\n`);
    const stopped = await runCli(['load', 'raw.orders', garbage, '--max-bad', '3'], { DATABASE_URL: db.url });
    expect(stopped.code).toBe(1);
    expect(stopped.stderr).toMatch(/stopped: more than 3 bad lines \(0 rows loaded\); the first at line 2/);
  });

  it('reads a header with quoted names', () => {
    expect(csvFields('"id","a ""b""",c')).toEqual(['id', 'a "b"', 'c']);
  });
});

describe('pgphase url', () => {
  it('prints the embedded server’s URL and holds it up until Ctrl-C; a DATABASE_URL is printed without its password', async () => {
    const home = mkdtempSync(join(tmpdir(), 'pgphase-url-'));
    const held = startCli(['url'], { DATABASE_URL: undefined, PGPHASE_HOME: home });
    let out = '';
    held.child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    for (let i = 0; i < 600 && !out.includes('\n'); i++) await new Promise((r) => setTimeout(r, 100));
    const url = out.trim();
    expect(url).toMatch(/^postgres(ql)?:\/\//);
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    expect((await c.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    await c.end();
    // The held server's URL given as DATABASE_URL: printed back without its password.
    const password = decodeURIComponent(new URL(url).password);
    expect(password.length).toBeGreaterThan(0);
    const external = await runCli(['url'], { DATABASE_URL: url });
    expect(external.code, external.stderr).toBe(0);
    expect(external.stdout).not.toContain(password);
    expect(external.stdout).toContain(`:${new URL(url).port}/`);
    held.child.kill('SIGINT');
    expect((await held.done).code).toBe(130);
  });
});
