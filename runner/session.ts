/**
 * What every command shares, outside any CLI: the parsed config (flags > environment >
 * pgphase.config.json > defaults, see configFile.ts), a log, the project's phases, and a database
 * opened for the length of the command (the embedded server is stopped when it ends).
 */
import { dirname, join } from 'node:path';
import type { Config, ConfigInput } from './config.js';
import { loadConfig, type LoadedConfig } from './configFile.js';
import { type Database, openDatabase } from './db/database.js';
import { createLog, type Log } from './log.js';
import { loadPhases, type Phase } from './phases.js';

export interface Session {
  readonly config: Config;
  readonly loaded: LoadedConfig;
  readonly log: Log;
  /** The configured phases file's phases, else the application's (none in the bare framework). */
  readonly phases: readonly Phase[];
  /** Whether a person watches stderr (a progress bar instead of log lines). */
  readonly interactive: boolean;
}

export interface SessionOptions {
  /** `--config`: an explicit configuration file. */
  readonly configPath?: string;
  /** Settings from the command line, the highest-precedence layer. */
  readonly settings?: Partial<ConfigInput>;
  /** The application's phases, used when no phases file is configured. */
  readonly phases?: readonly Phase[];
  readonly interactive?: boolean;
  readonly cwd?: string;
}

export function openSession(options: SessionOptions = {}): Session {
  const loaded = loadConfig({
    ...(options.configPath ? { configPath: options.configPath } : {}),
    ...(options.cwd ? { cwd: options.cwd } : {}),
    flags: options.settings ?? {},
  });
  const { config } = loaded;
  let phases: readonly Phase[] | undefined;
  return {
    config,
    loaded,
    log: createLog({ verbose: config.verbose }),
    // Read on first use: commands that need no phases work beside a broken phases file.
    get phases() {
      phases ??= config.phases ? loadPhases(config.phases) : (options.phases ?? []);
      return phases;
    },
    interactive: Boolean(options.interactive),
  };
}

/** The folder that holds the project's files (squawk.toml): the config file's, else the working directory. */
export function projectRoot(session: Session): string {
  return session.loaded.file ? dirname(session.loaded.file) : process.cwd();
}

export interface DatabaseOptions {
  /** The command is a throwaway by nature (`demo`): the embedded server counts as asked for in CI. */
  readonly embeddedAsked?: boolean;
}

/**
 * Opens the command's database for `fn`. On the embedded server it says so in one line on
 * stderr, with where the data lives: a command that changes something never does it unseen on
 * a server the user did not mean.
 */
export async function withDatabase<T>(session: Session, fn: (db: Database) => Promise<T>, options: DatabaseOptions = {}): Promise<T> {
  const { config } = session;
  const db = await openDatabase(options.embeddedAsked && config.embedded === 'ci' ? { ...config, embedded: 'on' } : config);
  if (db.kind === 'embedded') session.log.info(`PostgreSQL: the embedded server (DATABASE_URL is not set), data in ${join(config.home, 'pgdata')}`);
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}
