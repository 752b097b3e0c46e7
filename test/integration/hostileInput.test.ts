/**
 * Hostile command-line input: phase names, reason filters, worker counts, batch sizes, revert
 * counts and environment settings carrying SQL fragments, dollar quotes, non-ASCII digits,
 * numbers at and beyond their limits and 10,000-character values. Each one gets a short usage
 * error (exit 2) naming the flag, before any connection, and the database is left exactly as it
 * was: a checksum of the catalog (schemas, relations and their file nodes, columns, routines,
 * owners and privileges) and of every row and sequence is the same before and after.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

const SQL = `x'; DROP TABLE raw.games; --`;
const LONG = 'a'.repeat(10_000);
const DIGITS = '9'.repeat(10_000);

/** md5 of the catalog of every non-system schema, and of every row and sequence in them. */
async function checksum(db: TestDatabase): Promise<string> {
  const [catalog] = await db.query<{ md5: string }>(`
    SELECT md5(concat_ws('#',
      (SELECT string_agg(concat_ws(',', nspname, nspowner::regrole, nspacl), ';' ORDER BY nspname) FROM pg_namespace
        WHERE nspname !~ '^(pg_|information_schema)'),
      (SELECT string_agg(concat_ws(',', n.nspname, c.relname, c.relkind, c.relowner::regrole, c.relacl, c.relfilenode, c.relnatts), ';' ORDER BY n.nspname, c.relname)
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname !~ '^(pg_|information_schema)'),
      (SELECT string_agg(concat_ws(',', a.attrelid::regclass, a.attname, a.atttypid::regtype, a.attnotnull, a.attisdropped), ';' ORDER BY a.attrelid::regclass::text, a.attnum)
         FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname !~ '^(pg_|information_schema)' AND a.attnum > 0),
      (SELECT string_agg(concat_ws(',', p.oid::regprocedure, p.proowner::regrole, p.proacl, p.prosecdef, p.proconfig, md5(p.prosrc)), ';' ORDER BY p.oid::regprocedure::text)
         FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname !~ '^(pg_|information_schema)'),
      (SELECT string_agg(concat_ws(',', schemaname, sequencename, last_value), ';' ORDER BY schemaname, sequencename) FROM pg_sequences),
      (SELECT string_agg(concat_ws(',', d.defaclrole::regrole, d.defaclnamespace, d.defaclacl), ';' ORDER BY d.oid) FROM pg_default_acl d)
    )) AS md5`);
  const tables = await db.query<{ name: string }>(
    `SELECT format('%I.%I', schemaname, tablename) AS name FROM pg_tables WHERE schemaname !~ '^(pg_|information_schema)' ORDER BY 1`,
  );
  const parts = [catalog!.md5];
  for (const { name } of tables) {
    const [t] = await db.query<{ n: string; md5: string | null }>(
      `SELECT count(*)::text AS n, md5(string_agg(t::text, '|' ORDER BY t::text)) AS md5 FROM ${name} t`,
    );
    parts.push(`${name}:${t!.n}:${t!.md5}`);
  }
  return parts.join('\n');
}

interface Case {
  readonly args: string[];
  readonly env?: Record<string, string>;
  /** What the one error line must say. */
  readonly says: RegExp;
}

describe('hostile command-line input', () => {
  let db: TestDatabase;
  let dir: string;
  let before: string;
  beforeAll(async () => {
    db = await createTestDatabase();
    dir = await mkdtemp(join(tmpdir(), 'pgphase-hostile-'));
    // Some data everywhere, so that a destructive command would show in the checksum.
    await db.query(`CALL pipeline.generate_sample(400, 7, 0.2)`);
    for (const t of ['games', 'moneylines', 'spreads', 'totals']) await db.query(`CALL staging.load_${t}(0, 0, 1000000000)`);
    await writeFile(
      join(dir, 'phases.json'),
      JSON.stringify([
        {
          name: 'evil',
          steps: [
            {
              source: 'raw.games; DROP TABLE raw.games',
              procedure: `staging.load_games(0,0,0); DROP TABLE raw.games; --`,
              key: 'id); DELETE FROM raw.games; --',
            },
          ],
        },
      ]),
    );
    before = await checksum(db);
  });
  afterAll(async () => {
    await db.drop();
    await rm(dir, { recursive: true, force: true });
  });

  const cases: Case[] = [
    {
      args: ['run', SQL, '$$', 'ステージング', 'staging; DROP SCHEMA raw CASCADE', LONG],
      says: /^error: unknown phase "x'; DROP TABLE raw\.games; --", "\$\$", "ステージング" and 2 more; known phases: staging, curated$/,
    },
    { args: ['run', 'staging', '--workers', SQL], says: /--workers must be a whole number from 1 to 1024, not "x'; DROP/ },
    { args: ['run', '--workers', '1e3'], says: /--workers .* not "1e3"/ },
    { args: ['run', '--workers', '99999999999'], says: /--workers .* not "99999999999"/ },
    { args: ['run', '--workers', 'Infinity'], says: /--workers .* not "Infinity"/ },
    { args: ['run', '--workers', DIGITS], says: /--workers .* not "9{40}…" \(10000 characters\)$/ },
    { args: ['run', '--batch-min', '-1'], says: /--batch-min must be a whole number/ },
    { args: ['run', '--batch-max', '1e300'], says: /--batch-max must be a whole number from 1 to 2147483647, not "1e300"/ },
    { args: ['run', '--batch-initial', '$$'], says: /--batch-initial .* not "\$\$"/ },
    { args: ['run', '--target-ms', '0x10'], says: /--target-ms .* not "0x10"/ },
    { args: ['quarantine', 'list', '--reason', SQL], says: /--reason takes a reason code such as invalid_odds, not "x'; DROP/ },
    { args: ['quarantine', 'list', '--reason', `invalid_odds\u202e${LONG}`], says: /--reason takes a reason code .*\(10013 characters\)$/ },
    { args: ['quarantine', 'list', '--limit', '1e20'], says: /--limit must be a whole number from 0 to 100000, not "1e20"/ },
    { args: ['quarantine', 'list', '--limit', '1; DELETE FROM pgphase.quarantine'], says: /--limit must be a whole number/ },
    { args: ['quarantine', 'replay', '--reason', `' OR 1=1 --`], says: /--reason takes a reason code/ },
    { args: ['down', '--count', '0'], says: /--count must be a whole number of at least 1 \(or use --all\), not "0"/ },
    { args: ['down', '--count', 'Infinity'], says: /--count .* not "Infinity"/ },
    { args: ['down', '--count', `1; ${SQL}`], says: /--count .* not "1; x'; DROP/ },
    { args: ['generate', '--rows', `10; ${SQL}`], says: /--rows must be a whole number/ },
    { args: ['generate', '--seed', '$$'], says: /--seed must be a whole number/ },
    { args: ['run', 'evil'], env: { PGPHASE_PHASES: 'PHASES_FILE' }, says: /invalid phases file .*phases\.json/ },
    { args: ['migrate'], env: { PGPHASE_LOCK_TIMEOUT: `5s'; ${SQL}` }, says: /invalid configuration/ },
  ];

  it(`rejects each of ${cases.length} hostile inputs with a short usage error, and the database does not change`, async () => {
    const results: { c: Case; r: CliResult }[] = [];
    const queue = [...cases];
    // Three CLIs at a time: each is a Node process that costs about a second of CPU to start.
    await Promise.all(
      [1, 2, 3].map(async () => {
        for (let c = queue.shift(); c; c = queue.shift()) {
          const env = Object.fromEntries(Object.entries(c.env ?? {}).map(([k, v]) => [k, v === 'PHASES_FILE' ? join(dir, 'phases.json') : v]));
          results.push({ c, r: await runCli(c.args, { DATABASE_URL: db.url, ...env }) });
        }
      }),
    );
    for (const { c, r } of results) {
      const label = `pgphase ${c.args.join(' ').slice(0, 80)}`;
      expect(r.code, `${label}\n${r.stderr}`).toBe(2);
      const error = r.stderr.split('\n').filter((l) => l.startsWith('error: '));
      expect(error, `${label}\n${r.stderr}`).toHaveLength(1);
      expect(error[0], label).toMatch(c.says);
      expect(r.stderr.length, label).toBeLessThan(1_000);
      expect(r.stderr, label).not.toMatch(/\n\s+at /);
      expect(r.stdout, label).toBe('');
    }
    expect(await checksum(db)).toBe(before);
  });

  it('the same commands with sane values do run (the checksum sees what they change)', async () => {
    const r = await runCli(['run', 'staging', '--workers', '2', '--batch-max', '1000', '--json'], { DATABASE_URL: db.url });
    expect(r.code, r.stderr).toBe(0);
    expect(await checksum(db)).not.toBe(before);
  });
});
