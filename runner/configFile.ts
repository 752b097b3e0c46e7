/**
 * The configuration file `pgphase.config.json` and the merge of every source into one `Config`:
 * flags override the environment, which overrides the file, which overrides the defaults.
 * Paths in the file resolve from the file's folder; paths from flags and the environment from the
 * working directory: never from where pgphase is installed. `loadConfig` also says where each
 * value came from, for `pgphase config`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { type Config, type ConfigInput, configFromEnv, ENV_KEYS, NESTED_ENV, parseConfig } from './config.js';
import { UsageError } from './errors.js';

export const CONFIG_FILE = 'pgphase.config.json';
const PATH_KEYS = ['home', 'migrationsDir', 'proceduresDir', 'phases'] as const;
const NESTED = new Set(['runner', 'roles', 'health']);

export interface LoadedConfig {
  readonly config: Config;
  /** The file read, if any. */
  readonly file: string | undefined;
  /** Where each setting came from: `default`, the file, `env NAME` or `flag`. Keys are dotted. */
  readonly sources: Readonly<Record<string, string>>;
}

export interface LoadOptions {
  readonly cwd?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** `--config`: an explicit file (must exist). Else PGPHASE_CONFIG, else ./pgphase.config.json if present. */
  readonly configPath?: string;
  /** Settings from the command line, highest precedence. Paths relative to `cwd`. */
  readonly flags?: Partial<ConfigInput>;
}

function readFileLayer(path: string): Record<string, unknown> {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new UsageError(`cannot read the configuration file ${path}: ${(error as Error).message}`, 'It must be a JSON object; `pgphase init` writes one.');
  }
  if (!data || typeof data !== 'object' || Array.isArray(data)) throw new UsageError(`the configuration file ${path} must hold a JSON object`);
  const { $schema: _ignored, ...layer } = data as Record<string, unknown>;
  for (const key of PATH_KEYS) {
    if (typeof layer[key] === 'string') layer[key] = resolve(dirname(path), layer[key] as string);
  }
  return layer;
}

function merge(layers: readonly [string, Record<string, unknown>][]): { input: Record<string, unknown>; sources: Record<string, string> } {
  const input: Record<string, unknown> = {};
  const sources: Record<string, string> = {};
  for (const [source, layer] of layers) {
    for (const [key, value] of Object.entries(layer)) {
      if (value === undefined) continue;
      if (NESTED.has(key) && value && typeof value === 'object' && !Array.isArray(value)) {
        input[key] = { ...(input[key] as object), ...(value as object) };
        for (const sub of Object.keys(value)) sources[`${key}.${sub}`] = source;
      } else {
        input[key] = value;
        sources[key] = source;
      }
    }
  }
  return { input, sources };
}

function envSource(key: string): string {
  const flat = Object.entries(ENV_KEYS).find(([, k]) => k === key)?.[0];
  if (flat) return `env ${flat}`;
  const nested = Object.entries(NESTED_ENV).find(([, [s, k]]) => `${s}.${k}` === key)?.[0];
  if (nested) return `env ${nested}`;
  return key === 'verbose' ? 'env PGPHASE_VERBOSE' : key === 'embedded' ? 'env PGPHASE_EMBEDDED / CI' : 'env';
}

/** Finds the file, reads every source, validates the merge (every error at once). */
export function loadConfig(options: LoadOptions = {}): LoadedConfig {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const explicit = options.configPath ?? (env.PGPHASE_CONFIG || undefined);
  const file = explicit ? resolve(cwd, explicit) : existsSync(resolve(cwd, CONFIG_FILE)) ? resolve(cwd, CONFIG_FILE) : undefined;
  if (explicit && !existsSync(file!)) {
    throw new UsageError(
      `the configuration file ${file} does not exist (from ${options.configPath ? '--config' : 'PGPHASE_CONFIG'})`,
      'Run `pgphase init` to write one, or fix the path.',
    );
  }
  const fileLayer = file ? readFileLayer(file) : {};
  const { input, sources } = merge([
    [`file ${file}`, fileLayer],
    ['env', configFromEnv(env) as Record<string, unknown>],
    ['flag', (options.flags ?? {}) as Record<string, unknown>],
  ]);
  for (const [key, source] of Object.entries(sources)) if (source === 'env') sources[key] = envSource(key);
  let config: Config;
  try {
    config = parseConfig(input as ConfigInput, cwd);
  } catch (error) {
    if (error instanceof UsageError && file) {
      throw new UsageError(`${error.message}\n  (settings from ${file}, the environment and flags)`, error.hint);
    }
    throw error;
  }
  return { config, file, sources: withDefaults(config, sources) };
}

/** Settings without a default, listed by `pgphase config` even when unset. */
const OPTIONAL_KEYS = ['databaseUrl', 'embedded', 'phases', 'runner.workers', 'roles.migrator', 'roles.runner'];

function withDefaults(config: Config, sources: Record<string, string>): Record<string, string> {
  const all: Record<string, string> = {};
  for (const key of OPTIONAL_KEYS) all[key] = sources[key] ?? 'unset';
  for (const [key, value] of Object.entries(config)) {
    if (NESTED.has(key) && value && typeof value === 'object') {
      for (const sub of Object.keys(value)) all[`${key}.${sub}`] = sources[`${key}.${sub}`] ?? 'default';
      if (Object.keys(value).length === 0) all[key] = 'default';
    } else all[key] = sources[key] ?? 'default';
  }
  return all;
}
