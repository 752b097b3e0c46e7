/**
 * `pgphase config`: the merged configuration and where each value came from (flag, environment
 * variable, the file, or the default), with secrets redacted. Needs no database.
 */
import type { Command } from 'commander';
import { makeContext, type GlobalFlags } from '../cli/context.js';
import type { LoadedConfig } from '../configFile.js';
import { EXIT, redact } from '../errors.js';

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

export function registerConfig(program: Command, setExit: (code: number) => void): void {
  program
    .command('config')
    .description('print the merged configuration and where each value came from (flags > environment > pgphase.config.json > defaults), secrets redacted')
    .option('--json', 'print as JSON on stdout')
    .action((opts: { json?: boolean }) => {
      const { loaded } = makeContext(program.opts<GlobalFlags>());
      const entries = describeConfig(loaded);
      if (opts.json) process.stdout.write(`${JSON.stringify({ file: loaded.file ?? null, settings: entries })}\n`);
      else {
        const width = Math.max(...entries.map((e) => e.key.length));
        const lines = [`config file: ${loaded.file ?? 'none (pgphase.config.json not found)'}`];
        for (const e of entries) lines.push(`  ${e.key.padEnd(width)}  ${JSON.stringify(e.value)}  (${e.source})`);
        process.stdout.write(`${lines.join('\n')}\n`);
      }
      setExit(EXIT.ok);
    });
}
