/** Reads the session facts `doctor` judges (sessionChecks.ts, timeZoneNames.ts), changing nothing. */
import type pg from 'pg';
import type { Config } from '../config.js';
import { createdObject } from '../migrate/procedureFailures.js';
import { forServer, readProcedures } from '../migrate/procedures.js';
import { type LevelSetting, SESSION_SETTINGS, type SessionFacts } from './sessionChecks.js';
import type { TimeZoneNamesFacts } from './timeZoneNames.js';

const TIMEOUTS = ['statement_timeout', 'lock_timeout', 'idle_in_transaction_session_timeout'];

/** Values set with ALTER ROLE / ALTER DATABASE that apply to this login in this database. */
async function levelSettings(client: pg.ClientBase, names: readonly string[]): Promise<LevelSetting[]> {
  const { rows } = await client.query<LevelSetting>(
    `SELECT split_part(c, '=', 1) AS setting, substr(c, strpos(c, '=') + 1) AS value,
            CASE WHEN s.setrole = 0 AND s.setdatabase = 0 THEN 'all roles' WHEN s.setrole = 0 THEN 'database'
                 WHEN s.setdatabase = 0 THEN 'role' ELSE 'role in this database' END AS scope
       FROM pg_db_role_setting s, unnest(s.setconfig) c
      WHERE s.setdatabase IN (0, (SELECT oid FROM pg_database WHERE datname = current_database()))
        AND s.setrole IN (0, (SELECT oid FROM pg_roles WHERE rolname = current_user))
        AND lower(split_part(c, '=', 1)) = ANY ($1)`,
    [names.map((n) => n.toLowerCase())],
  );
  return rows;
}

export async function gatherSession(client: pg.ClientBase): Promise<Omit<SessionFacts, 'user'>> {
  const {
    rows: [server],
  } = await client.query<{ database: string; recovery: boolean }>(`SELECT current_database() AS database, pg_is_in_recovery() AS recovery`);
  // As the login's sessions start: a setting pgphase's own connection changed (DateStyle, see
  // runner/db/readableSession.ts) is read as RESET would restore it, from where that was set.
  const { rows: settings } = await client.query<{ name: string; value: string; source: string }>(
    `SELECT name, CASE WHEN source = 'session' THEN reset_val ELSE setting END AS value,
            CASE WHEN source <> 'session' THEN source
                 ELSE coalesce((SELECT CASE WHEN s.setrole <> 0 AND s.setdatabase <> 0 THEN 'database user' WHEN s.setrole <> 0 THEN 'user'
                                           WHEN s.setdatabase <> 0 THEN 'database' ELSE 'global' END
                                  FROM pg_db_role_setting s, unnest(s.setconfig) c
                                 WHERE s.setdatabase IN (0, (SELECT oid FROM pg_database WHERE datname = current_database()))
                                   AND s.setrole IN (0, (SELECT oid FROM pg_roles WHERE rolname = current_user))
                                   AND lower(split_part(c, '=', 1)) = lower(p.name)
                                 ORDER BY (s.setrole <> 0)::int + (s.setdatabase <> 0)::int * 2 DESC LIMIT 1), 'default') END AS source
       FROM pg_settings p WHERE name = ANY ($1)`,
    [SESSION_SETTINGS],
  );
  const {
    rows: [jit],
  } = await client.query<SessionFacts['jit']>(
    `SELECT pg_jit_available() AS available, current_setting('jit')::boolean AS on,
            current_setting('jit_above_cost')::float8 AS "aboveCost", current_setting('jit_inline_above_cost')::float8 AS "inlineAboveCost",
            current_setting('jit_optimize_above_cost')::float8 AS "optimizeAboveCost",
            (SELECT bool_and(coalesce('jit=off' = ANY (p.proconfig), false)) FROM pg_proc p
              WHERE p.pronamespace = to_regnamespace('pgphase') AND p.proname = 'isolate') AS "isolateOff"`,
  );
  const levels = await levelSettings(client, [...TIMEOUTS, ...SESSION_SETTINGS]);
  const isTimeout = (l: LevelSetting) => TIMEOUTS.includes(l.setting.toLowerCase());
  return {
    database: server!.database,
    inRecovery: server!.recovery,
    session: Object.fromEntries(settings.map((s) => [s.name, { value: s.value, source: s.source }])) as SessionFacts['session'],
    sessionLevels: levels.filter((l) => !isTimeout(l)),
    timeouts: levels.filter(isTimeout),
    jit: jit!,
  };
}

const withoutComments = (sql: string) => sql.replace(/--[^\n]*/g, '');

/** The project's functions that read pg_timezone_names on this server, and one read of it timed (only when there are such). */
export async function gatherTimeZoneNames(client: pg.ClientBase, config: Config, major: number): Promise<TimeZoneNamesFacts> {
  const files = forServer(await readProcedures(config.proceduresDir), major).filter((p) => /\bpg_timezone_names\b/i.test(withoutComments(p.text)));
  const names = files.map((p) => createdObject(p.text)).filter((n): n is string => n !== undefined);
  if (names.length === 0) return { readers: [], ms: null };
  const { rows: readers } = await client.query<TimeZoneNamesFacts['readers'][number]>(
    `SELECT r AS name, (SELECT CASE max(p.provolatile::text) WHEN 'i' THEN 'immutable' WHEN 's' THEN 'stable' WHEN 'v' THEN 'volatile' END
                          FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                         WHERE n.nspname || '.' || p.proname = r) AS volatility
       FROM unnest($1::text[]) r ORDER BY r`,
    [names],
  );
  const { rows: plan } = await client.query<{ 'QUERY PLAN': [{ 'Execution Time': number }] }>(
    'EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) SELECT count(*) FROM pg_catalog.pg_timezone_names',
  );
  return { readers, ms: plan[0]!['QUERY PLAN'][0]['Execution Time'] };
}
