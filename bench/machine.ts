/**
 * The machine a benchmark ran on, recorded with its figures: CPU, cores, RAM, load, and the
 * PostgreSQL server's version and the settings that move these numbers.
 */
import { cpus, loadavg, totalmem, release, platform, availableParallelism } from 'node:os';
import pg from 'pg';

export interface Machine {
  readonly cpuModel: string;
  readonly cores: number;
  readonly ramGb: number;
  readonly os: string;
  readonly node: string;
  readonly loadAvg: readonly number[];
  readonly postgres: {
    readonly version: string;
    readonly server: 'embedded' | 'external';
    readonly settings: Readonly<Record<string, string>>;
    readonly pgStatStatements: boolean;
  };
}

/** Settings that change what these benchmarks measure. */
const SETTINGS = [
  'shared_buffers',
  'work_mem',
  'maintenance_work_mem',
  'effective_cache_size',
  'max_wal_size',
  'checkpoint_timeout',
  'fsync',
  'synchronous_commit',
  'full_page_writes',
  'wal_level',
  'wal_compression',
  'jit',
  'max_connections',
  'max_parallel_workers_per_gather',
  'autovacuum',
  'huge_pages',
];

export function load(): number[] {
  return loadavg().map((l) => Math.round(l * 100) / 100);
}

export async function describeMachine(url: string, server: 'embedded' | 'external'): Promise<Machine> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows: version } = await client.query<{ v: string }>(`SELECT current_setting('server_version') AS v`);
    const { rows: settings } = await client.query<{ name: string; setting: string; unit: string | null }>(
      `SELECT name, setting, unit FROM pg_settings WHERE name = ANY ($1)`,
      [SETTINGS],
    );
    const { rows: ext } = await client.query<{ ok: boolean }>(
      // pg_settings, not current_setting(): a login without pg_read_all_settings may not read this one.
      `SELECT coalesce((SELECT setting FROM pg_settings WHERE name = 'shared_preload_libraries'), '') LIKE '%pg_stat_statements%' AS ok`,
    );
    const cpu = cpus();
    return {
      cpuModel: cpu[0]?.model.trim() ?? 'unknown',
      cores: availableParallelism(),
      ramGb: Math.round((totalmem() / 2 ** 30) * 10) / 10,
      os: `${platform()} ${release()}`,
      node: process.version,
      loadAvg: load(),
      postgres: {
        version: version[0]!.v,
        server,
        settings: Object.fromEntries(settings.map((s) => [s.name, pretty(s.setting, s.unit)])),
        pgStatStatements: ext[0]!.ok,
      },
    };
  } finally {
    await client.end();
  }
}

/** `65536` with unit `8kB` reads as `512MB`. */
function pretty(setting: string, unit: string | null): string {
  const units: Record<string, number> = { '8kB': 8192, kB: 1024, MB: 1048576 };
  const bytes = unit && units[unit] && /^\d+$/.test(setting) ? Number(setting) * units[unit]! : undefined;
  if (bytes === undefined) return unit && !units[unit] ? `${setting}${unit}` : setting;
  return bytes >= 2 ** 30 && bytes % 2 ** 30 === 0 ? `${bytes / 2 ** 30}GB` : bytes >= 2 ** 20 ? `${Math.round(bytes / 2 ** 20)}MB` : `${bytes / 1024}kB`;
}
