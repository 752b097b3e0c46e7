/**
 * What every command shares: the parsed config, a log, and a database opened for the length of
 * the command (the embedded server is stopped when the command ends).
 */
import { type Config, type ConfigInput, configFromEnv, parseConfig } from '../config.js';
import { type Database, openDatabase } from '../db/database.js';
import { createLog, type Log } from '../log.js';

export interface GlobalFlags {
  readonly verbose?: boolean;
}

export interface CommandContext {
  readonly config: Config;
  readonly log: Log;
}

export function makeContext(flags: GlobalFlags, overrides: Partial<ConfigInput> = {}): CommandContext {
  const config = parseConfig({ ...configFromEnv(), ...(flags.verbose ? { verbose: true } : {}), ...overrides });
  return { config, log: createLog({ verbose: config.verbose }) };
}

export async function withDatabase<T>(ctx: CommandContext, fn: (db: Database) => Promise<T>): Promise<T> {
  const db = await openDatabase(ctx.config);
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}
