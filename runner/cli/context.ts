/**
 * What every command shares: the parsed config (flags > environment > pgphase.config.json >
 * defaults, see configFile.ts), a log, and a database opened for the length of the command (the
 * embedded server is stopped when the command ends).
 */
import type { Config, ConfigInput } from '../config.js';
import { loadConfig, type LoadedConfig } from '../configFile.js';
import { type Database, openDatabase } from '../db/database.js';
import { createLog, type Log } from '../log.js';
import { loadPhases, type Phase } from '../phases.js';

export interface GlobalFlags {
  readonly verbose?: boolean;
  readonly config?: string;
  readonly migrationsDir?: string;
  readonly proceduresDir?: string;
}

export interface CommandContext {
  readonly config: Config;
  readonly log: Log;
  readonly loaded: LoadedConfig;
}

/** Global flags as config input (the highest-precedence layer). */
export function flagsInput(flags: GlobalFlags, overrides: Partial<ConfigInput> = {}): Partial<ConfigInput> {
  return {
    ...(flags.verbose ? { verbose: true } : {}),
    ...(flags.migrationsDir ? { migrationsDir: flags.migrationsDir } : {}),
    ...(flags.proceduresDir ? { proceduresDir: flags.proceduresDir } : {}),
    ...overrides,
  };
}

export function makeContext(flags: GlobalFlags, overrides: Partial<ConfigInput> = {}): CommandContext {
  const loaded = loadConfig({ ...(flags.config ? { configPath: flags.config } : {}), flags: flagsInput(flags, overrides) });
  return { config: loaded.config, loaded, log: createLog({ verbose: loaded.config.verbose }) };
}

/** The phases of this project: the configured phases file, else the built-in ones. */
export function phasesOf(config: Config): readonly Phase[] {
  return loadPhases(config.phases);
}

export async function withDatabase<T>(ctx: CommandContext, fn: (db: Database) => Promise<T>): Promise<T> {
  const db = await openDatabase(ctx.config);
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}
