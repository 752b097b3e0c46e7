/**
 * One `--replica` connection of the health gate, made when first needed and made again after a
 * failure: a standby that was down when the run started, or restarted during it, is read again
 * once it answers (until then its probe fails, which throttles). The connection sends no startup
 * parameter beyond application_name, so a pooler in front of the standby accepts it; the probe's
 * timeout is set per transaction (healthProbe.ts).
 */
import pg from 'pg';

export class ReplicaLink {
  private current: pg.Client | null = null;

  constructor(
    private readonly url: string,
    private readonly applicationName: string,
    private readonly connectTimeoutMs = 5_000,
  ) {}

  /** A connected client: the current one, or a new one. Throws when the standby cannot be reached. */
  async client(): Promise<pg.Client> {
    if (this.current) return this.current;
    const client = new pg.Client({ connectionString: this.url, connectionTimeoutMillis: this.connectTimeoutMs, application_name: this.applicationName });
    client.on('error', () => {}); // a lost connection fails the next probe, which drops it
    try {
      await client.connect();
    } catch (error) {
      await client.end().catch(() => {});
      throw error;
    }
    this.current = client;
    return client;
  }

  /** Forgets the connection after a failure; the next probe connects again. */
  drop(): void {
    void this.current?.end().catch(() => {});
    this.current = null;
  }

  async end(): Promise<void> {
    await this.current?.end().catch(() => {});
    this.current = null;
  }
}
