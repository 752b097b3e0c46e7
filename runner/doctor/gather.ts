/** Reads the facts `doctor` judges (judge.ts), with one connection, changing nothing. */
import type pg from 'pg';
import type { Config } from '../config.js';
import { serverVersionNum } from '../db/serverVersion.js';
import { readMigrations } from '../migrate/migrationFile.js';
import { createdObject } from '../migrate/procedureFailures.js';
import { readProcedures } from '../migrate/procedures.js';
import { pendingRoleStatements } from '../migrate/rolePending.js';
import { migrationStatus } from '../migrate/status.js';
import { defaultWorkers } from '../run/runPipeline.js';
import { majorOf } from '../db/versionRule.js';
import { gatherSession, gatherTimeZoneNames } from './gatherSession.js';
import type { DoctorFacts } from './judge.js';

const FRAMEWORK_TABLES = ['framework_schema', 'migrations', 'migration_checksums', 'procedure_checksums'];

/** The schemas pgphase writes: its own, those the migrations create, those procedures live in. */
async function schemasWritten(config: Config): Promise<string[]> {
  const names = new Set(['pgphase']);
  for (const m of await readMigrations(config.migrationsDir)) {
    for (const match of m.up.sql.matchAll(/CREATE\s+SCHEMA\s+(?:IF\s+NOT\s+EXISTS\s+)?"?([A-Za-z_][\w$]*)/gi)) names.add(match[1]!.toLowerCase());
  }
  for (const p of await readProcedures(config.proceduresDir)) {
    const object = createdObject(p.text);
    if (object?.includes('.')) names.add(object.split('.')[0]!);
  }
  return [...names].sort();
}

export async function gatherFacts(client: pg.ClientBase, config: Config, workers?: number): Promise<DoctorFacts> {
  const versionNum = await serverVersionNum(client);
  const session = await gatherSession(client);
  const {
    rows: [me],
  } = await client.query<{ user: string; superuser: boolean; create_role: boolean; conn_limit: number; stats: boolean; db_create: boolean }>(
    `SELECT current_user AS user, r.rolsuper AS superuser, r.rolcreaterole AS create_role, r.rolconnlimit AS conn_limit,
            r.rolsuper OR pg_has_role(current_user, 'pg_read_all_stats', 'USAGE') AS stats,
            has_database_privilege(current_database(), 'CREATE') AS db_create
       FROM pg_roles r WHERE r.rolname = current_user`,
  );
  const schemas = await schemasWritten(config);
  const { rows: schemaRows } = await client.query<{ name: string; can: boolean | null }>(
    `SELECT s AS name, CASE WHEN to_regnamespace(s) IS NULL THEN NULL ELSE has_schema_privilege(s, 'CREATE') END AS can FROM unnest($1::text[]) s`,
    [schemas],
  );
  const {
    rows: [conn],
  } = await client.query<{ max: number; reserved: number; in_use: number; mine: number }>(
    `SELECT current_setting('max_connections')::int AS max,
            current_setting('superuser_reserved_connections')::int + coalesce(current_setting('reserved_connections', true), '0')::int AS reserved,
            (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend')::int AS in_use,
            (SELECT count(*) FROM pg_stat_activity WHERE usename = current_user)::int AS mine`,
  );
  const {
    rows: [fw],
  } = await client.query<{ present: boolean; missing: string[] }>(
    `SELECT to_regnamespace('pgphase') IS NOT NULL AS present,
            coalesce(array_agg(t ORDER BY t) FILTER (WHERE to_regclass('pgphase.' || t) IS NULL), '{}') AS missing
       FROM unnest($1::text[]) t`,
    [FRAMEWORK_TABLES],
  );
  const status = await migrationStatus(client as pg.Client, config);
  return {
    versionNum,
    user: me!.user,
    superuser: me!.superuser,
    createRole: me!.create_role,
    schemaCreate: Object.fromEntries(schemaRows.map((r) => [r.name, r.can])),
    databaseCreate: me!.db_create,
    readAllStats: me!.stats,
    maxConnections: conn!.max,
    reservedConnections: conn!.reserved,
    connectionsInUse: conn!.in_use,
    roleConnLimit: me!.conn_limit,
    roleConnections: conn!.mine,
    workers: workers ?? (await defaultWorkers(client)),
    ...session,
    timeZoneNames: await gatherTimeZoneNames(client, config, majorOf(versionNum)),
    pendingMigrations: status.pending,
    changedMigrations: [...status.changed, ...status.missing],
    changedProcedures: status.procedures.pending,
    invalidIndexes: status.invalidIndexes.map((ix) => `${ix.schema}.${ix.name}`),
    frameworkSchema: { present: fw!.present, missingTables: fw!.present ? fw!.missing : [] },
    rolePending: await pendingRoleStatements(client),
  };
}
