/**
 * Puts the bench database back to a clean staging state between modes: staging tables, pgphase's
 * quarantine, curated output tables and the runner's ledger (pgphase.*) truncated (identities
 * restarted, so every mode gives the same game ids), then a CHECKPOINT so that no mode pays for
 * flushing the previous one's dirty pages. Raw data is untouched. Scope `curated` empties only the
 * curated output tables and the curated phase's quarantined rows (to repeat the curated phase over
 * the same staging rows).
 */
import pg from 'pg';

export async function resetStaging(url: string, scope: 'staging' | 'curated' = 'staging'): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ t: string }>(
      `SELECT format('%I.%I', schemaname, tablename) AS t FROM pg_tables
        WHERE schemaname = 'curated' AND tablename NOT IN ('settings', 'sportsbook_tiers')
           OR $1 AND schemaname = 'staging' AND tablename IN ('games', 'moneylines', 'spreads', 'totals')
           OR $1 AND schemaname = 'pgphase' AND tablename IN ('quarantine', 'runs', 'run_steps', 'partitions', 'batch_samples', 'run_control', 'run_runners',
                                                                 'run_throttle', 'throttle_events')
        ORDER BY 1`,
      [scope === 'staging'],
    );
    await client.query(`TRUNCATE ${rows.map((r) => r.t).join(', ')} RESTART IDENTITY CASCADE`);
    // Repeating the curated phase: its own quarantined rows go too (its sources are staging tables).
    if (scope === 'curated') await client.query(`DELETE FROM pgphase.quarantine WHERE source_table LIKE 'staging.%'`);
    await checkpoint(client);
  } finally {
    await client.end();
  }
}

let warned = false;

/**
 * CHECKPOINT needs superuser or pg_checkpoint (PostgreSQL 15+); a login without either (a managed
 * service's application login) goes on without it, and says so once on stderr: each mode may then
 * pay for flushing the previous one's dirty pages.
 */
export async function checkpoint(client: pg.ClientBase, say: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<boolean> {
  try {
    await client.query('CHECKPOINT');
    return true;
  } catch (error) {
    if (!warned) {
      warned = true;
      say(`bench: going on without CHECKPOINT between modes (${(error as Error).message}); grant pg_checkpoint to this login for steadier figures`);
    }
    return false;
  }
}
