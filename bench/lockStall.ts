/**
 * `npx tsx bench/lockStall.ts [--hold-ms 40000] [--loop-ms 50]`: what a promote behind a long
 * reader costs the application's other readers. In a fresh database `pgphase_lockstall` (on
 * DATABASE_URL's server, or the embedded one) it builds the curated phase blue-green, opens a
 * reader transaction on curated.game_features held for --hold-ms, reads the same table every
 * --loop-ms in another connection, and promotes with the configured lock ladder (PGPHASE_*
 * variables as for the CLI). Prints each attempt (when the code reports them), the promote's
 * outcome, and the reader loop's worst read and total time in reads slower than 20 ms.
 */
import pg from 'pg';
import { parseConfig, configFromEnv } from '../runner/config.js';
import { openDatabase } from '../runner/db/database.js';
import { stopAllEmbedded } from '../runner/db/embedded.js';
import { migrate } from '../runner/migrate/migrate.js';
import { promote } from '../runner/bluegreen/operations.js';
import { PHASES } from '../runner/odds/phases.js';
import { runPipeline } from '../runner/run/runPipeline.js';
import { withDatabaseName } from './benchDb.js';

const DATABASE = 'pgphase_lockstall';
const SLOW_MS = 20;

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

async function main(): Promise<void> {
  const holdMs = flag('--hold-ms', 40_000);
  const loopMs = flag('--loop-ms', 50);
  const config = parseConfig(configFromEnv());
  const server = await openDatabase(config);
  const url = withDatabaseName(server.url, DATABASE);
  try {
    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${DATABASE}`);
    await admin.end();
    await migrate({ url, config: { ...config, databaseUrl: url } });
    const setup = new pg.Client({ connectionString: url });
    await setup.connect();
    await setup.query(`CALL pipeline.generate_sample(10000, 5, 0.05)`);
    await setup.end();
    await runPipeline({ url, phaseList: PHASES, phases: ['staging'], workers: 2 });
    const build = await runPipeline({ url, phaseList: PHASES, phases: ['curated'], workers: 2, fresh: true });
    console.log(`curated build: ${build.status}, ${build.builds?.[0]?.state}`);

    const reader = new pg.Client({ connectionString: url, application_name: 'long reader' });
    const loop = new pg.Client({ connectionString: url, application_name: 'reader loop' });
    await reader.connect();
    await loop.connect();
    await reader.query('BEGIN');
    await reader.query('SELECT count(*) FROM curated.game_features');
    const t0 = performance.now();
    const at = () => Math.round(performance.now() - t0);
    const readerDone = new Promise<void>((resolve) => setTimeout(() => void reader.query('COMMIT').then(() => resolve()), holdMs));
    const reads: { at: number; ms: number }[] = [];
    let stop = false;
    const loopDone = (async () => {
      while (!stop) {
        const s = performance.now();
        await loop.query('SELECT game_id FROM curated.game_features LIMIT 1');
        reads.push({ at: Math.round(s - t0), ms: performance.now() - s });
        await new Promise((r) => setTimeout(r, loopMs));
      }
    })();
    await new Promise((r) => setTimeout(r, 500));
    const promoteAt = at();
    const outcome = await promote({
      url,
      config: { ...config, databaseUrl: url },
      phase: 'curated',
      phaseList: PHASES,
      onAttempt: (a) => console.log(`  attempt ${a.attempt + 1} at ${at()} ms: lock_timeout ${a.lockTimeoutMs} ms, ${a.ms} ms, ${a.outcome}`),
    }).then(
      (r) => `promoted in ${r.attempts} attempts, ${r.ms} ms`,
      (e: unknown) => `failed: ${(e as Error).message.split('. Holding')[0]}`,
    );
    const promoteEnd = at();
    await readerDone;
    stop = true;
    await loopDone;
    await loop.end();
    await reader.end();
    const during = reads.filter((r) => r.at >= promoteAt && r.at <= promoteEnd);
    const slow = during.filter((r) => r.ms >= SLOW_MS);
    const worst = Math.max(...during.map((r) => r.ms));
    const blocked = slow.reduce((a, r) => a + r.ms, 0);
    console.log(
      `lock ladder: swapLockTimeoutMs ${config.swapLockTimeoutMs}, lockRetries ${config.lockRetries}, lockRetryBaseMs ${config.lockRetryBaseMs}` +
        ('lockDeadlineMs' in config ? `, lockDeadlineMs ${(config as { lockDeadlineMs: number }).lockDeadlineMs}` : ''),
    );
    console.log(`promote (${promoteAt}-${promoteEnd} ms, reader held ${holdMs} ms): ${outcome}`);
    console.log(
      `reader loop during the promote: ${during.length} reads, worst ${Math.round(worst)} ms, ${slow.length} reads >= ${SLOW_MS} ms, ` +
        `${(blocked / 1000).toFixed(1)} s blocked in ${((promoteEnd - promoteAt) / 1000).toFixed(1)} s`,
    );
  } finally {
    await server.close().catch(() => {});
    await stopAllEmbedded().catch(() => {});
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
