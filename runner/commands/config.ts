/**
 * `pgphase config`: the merged configuration and where each value came from (flag, environment
 * variable, the file, or the default), with secrets redacted. Needs no database.
 */
import { z } from 'zod';
import type { LoadedConfig } from '../configFile.js';
import { EXIT, redact } from '../errors.js';
import { flag } from './flags.js';
import { defineCommand } from './spec.js';

export interface ConfigEntry {
  readonly key: string;
  readonly value: unknown;
  readonly source: string;
}

/** Flattens the config to dotted keys, the database URL's password replaced by `***`. */
export function describeConfig(loaded: LoadedConfig): ConfigEntry[] {
  return Object.entries(loaded.sources).map(([key, source]) => {
    const [head, sub] = key.split('.') as [string, string | undefined];
    const top = (loaded.config as Record<string, unknown>)[head];
    let value = sub === undefined ? top : (top as Record<string, unknown>)[sub];
    if (typeof value === 'string') value = redact(value);
    return { key, value: value === undefined ? null : value, source };
  });
}

export interface ConfigResult {
  readonly file: string | null;
  readonly settings: ConfigEntry[];
}

export function formatConfig(r: ConfigResult): string {
  const width = Math.max(...r.settings.map((e) => e.key.length));
  const lines = [`config file: ${r.file ?? 'none (pgphase.config.json not found)'}`];
  for (const e of r.settings) lines.push(`  ${e.key.padEnd(width)}  ${JSON.stringify(e.value)}  (${e.source})`);
  return lines.join('\n');
}

export const configCommand = defineCommand({
  name: 'config',
  description: 'print the merged configuration and where each value came from (flags > environment > pgphase.config.json > defaults), secrets redacted',
  options: [{ flags: '--json', description: 'print as JSON on stdout' }],
  input: z.object({ json: flag() }),
  run: (session): ConfigResult => ({ file: session.loaded.file ?? null, settings: describeConfig(session.loaded) }),
  render: (r, input) => ({ stdout: input.json ? JSON.stringify(r) : formatConfig(r), exitCode: EXIT.ok }),
});
