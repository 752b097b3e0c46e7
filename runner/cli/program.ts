/**
 * Wires command specs (runner/commands/spec.ts) into a commander program: the global flags,
 * each spec's arguments and options, its input parsed with its zod schema, a session, Ctrl-C
 * and TERM as an AbortSignal for commands that stop gracefully, and what `render` returns
 * written to stdout and stderr. A project adds its own commands with `createProgram`.
 */
import { Command } from 'commander';
import type { ConfigInput } from '../config.js';
import { parseInput } from '../commands/flags.js';
import type { CommandGroup, CommandSpec, Rendered } from '../commands/spec.js';
import type { Phase } from '../phases.js';
import { openSession, type Session } from '../session.js';
import { EXIT_CODES, onGracefulStop, type StopSignal } from './signals.js';

export interface ProgramOptions {
  readonly commands: readonly CommandSpec[];
  readonly groups?: readonly CommandGroup[];
  /** The application's phases, used when pgphase.config.json names no phases file. */
  readonly phases?: readonly Phase[];
}

interface GlobalFlags {
  readonly verbose?: boolean;
  readonly config?: string;
  readonly migrationsDir?: string;
  readonly proceduresDir?: string;
}

/** An argument's input key: `<schema.name>` -> schemaName, `[phases...]` -> phases. */
export const argKey = (name: string) => name.replace(/^[<[]|\.{3}[>\]]$|[>\]]$/g, '').replace(/[.-]([a-z])/g, (_, c: string) => c.toUpperCase());

function settingsOf(flags: GlobalFlags): Partial<ConfigInput> {
  return {
    ...(flags.verbose ? { verbose: true } : {}),
    ...(flags.migrationsDir ? { migrationsDir: flags.migrationsDir } : {}),
    ...(flags.proceduresDir ? { proceduresDir: flags.proceduresDir } : {}),
  };
}

/** The commander command of a spec, with its arguments and options but no action. */
export function commandFor(spec: CommandSpec, parent: Command = new Command()): Command {
  const cmd = parent.command(spec.name.split(' ').at(-1)!).description(spec.description);
  for (const a of spec.args ?? []) cmd.argument(a.name, a.description);
  for (const o of spec.options ?? []) {
    if (o.repeatable) cmd.option(o.flags, o.description, (v: string, all: string[]) => [...all, v], [] as string[]);
    else if (o.required) cmd.requiredOption(o.flags, o.description, o.default);
    else cmd.option(o.flags, o.description, o.default);
  }
  return cmd;
}

/** A spec's typed input from what commander parsed. */
export function inputOf<I>(spec: CommandSpec<I>, args: readonly unknown[], opts: Record<string, unknown>): I {
  const keys = (spec.args ?? []).map((a) => argKey(a.name));
  const raw: Record<string, unknown> = { ...opts };
  keys.forEach((k, i) => {
    if (args[i] !== undefined) raw[k] = args[i];
  });
  return parseInput(spec.input, raw, spec.name, keys);
}

function write(r: Rendered): void {
  if (r.stdout) process.stdout.write(r.stdout.endsWith('\n') ? r.stdout : `${r.stdout}\n`);
  if (r.stderr) process.stderr.write(r.stderr.endsWith('\n') ? r.stderr : `${r.stderr}\n`);
}

async function execute(spec: CommandSpec, session: Session, input: unknown): Promise<number> {
  const abort = new AbortController();
  let stopSignal: StopSignal = 'SIGINT';
  const unregister = spec.graceful
    ? onGracefulStop((signal) => {
        stopSignal = signal;
        session.log.warn(`stopping after the current batches; run \`pgphase ${spec.name}\` again to resume`);
        abort.abort();
      })
    : () => {};
  try {
    const result = await spec.run(session, input, abort.signal);
    const rendered = spec.render(result, input);
    write(rendered);
    return abort.signal.aborted ? EXIT_CODES[stopSignal] : rendered.exitCode;
  } finally {
    unregister();
  }
}

/** The `pgphase` program with `options.commands`; `exitCode()` is the last command's code. */
export function createProgram(options: ProgramOptions): { program: Command; exitCode: () => number } {
  let exitCode = 0;
  const program = new Command('pgphase')
    .description('SQL-first PostgreSQL migrations with parallel, resumable PL/pgSQL data phases')
    .option('--verbose', 'debug logs and stack traces')
    .option('--config <file>', 'configuration file (default: ./pgphase.config.json when present; env PGPHASE_CONFIG)')
    .option('--migrations-dir <dir>', 'versioned migrations (overrides PGPHASE_MIGRATIONS_DIR and the file)')
    .option('--procedures-dir <dir>', 'repeatable procedures (overrides PGPHASE_PROCEDURES_DIR and the file)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  const groups = new Map<string, Command>();
  const parentOf = (spec: CommandSpec): Command => {
    const words = spec.name.split(' ');
    if (words.length === 1) return program;
    const name = words[0]!;
    let group = groups.get(name);
    if (!group) {
      group = program.command(name).description(options.groups?.find((g) => g.name === name)?.description ?? '');
      groups.set(name, group);
    }
    return group;
  };
  for (const spec of options.commands) {
    commandFor(spec, parentOf(spec)).action(async (...params: unknown[]) => {
      const cmd = params.at(-1) as Command;
      const input = inputOf(spec, params.slice(0, -2), cmd.opts());
      const flags = program.opts<GlobalFlags>();
      const session = openSession({
        ...(flags.config ? { configPath: flags.config } : {}),
        settings: settingsOf(flags),
        ...(options.phases ? { phases: options.phases } : {}),
        interactive: Boolean(process.stderr.isTTY),
      });
      exitCode = await execute(spec, session, input);
    });
  }
  return { program, exitCode: () => exitCode };
}
