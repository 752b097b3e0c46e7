/**
 * A command as data: its name, arguments and options (for any front end to offer), a zod schema
 * that turns the raw strings into typed input, a `run` that does the work and returns a result,
 * and a `render` that turns the result into text and an exit code. Nothing here writes to
 * stdout or stderr; runner/cli/ wires specs into commander and prints what `render` returns.
 */
import type { z } from 'zod';
import type { Session } from '../session.js';

export interface ArgumentSpec {
  /** As commander spells it: `<phase>`, `[run]`, `[phases...]`. Its input key is the bare name. */
  readonly name: string;
  readonly description: string;
}

export interface OptionSpec {
  /** As commander spells it: `--workers <n>`, `--json`, `--no-transaction`. */
  readonly flags: string;
  readonly description: string;
  /** Shown by --help and parsed like a given value. */
  readonly default?: string;
  /** Repeatable: the values are collected into an array. */
  readonly repeatable?: boolean;
  readonly required?: boolean;
}

/** What a command prints and how it exits. `info` goes through the log (stderr). */
/**
 * What a command prints: its result on stdout (text, or JSON with --json), on stderr only what
 * went wrong with the result (a stop and its hint, lines left out); logs go through the session's
 * log (stderr). A command has no other channel, so a result cannot end up among the logs.
 */
export interface Rendered {
  readonly stdout?: string;
  readonly stderr?: string;
  readonly exitCode: number;
}

export interface CommandSpec<I = unknown, R = unknown> {
  /** `run`, or `quarantine list` for a subcommand of a group. */
  readonly name: string;
  readonly description: string;
  readonly args?: readonly ArgumentSpec[];
  readonly options?: readonly OptionSpec[];
  /** Raw input ({ option or argument name in camelCase: string | boolean | string[] }) to typed input. */
  readonly input: z.ZodType<I>;
  /** Without a session (no config is read): `init`, `lint-sql`. */
  readonly sessionless?: boolean;
  /** A `run` that stops gracefully on the signal (its batches commit): `run`. */
  readonly graceful?: boolean;
  run(session: Session, input: I, signal: AbortSignal): Promise<R> | R;
  render(result: R, input: I): Rendered;
}

/** A word that groups subcommands: `quarantine`, `new`. */
export interface CommandGroup {
  readonly name: string;
  readonly description: string;
}

/** Keeps a spec's input and result types checked while lists of specs stay plain. */
export function defineCommand<I, R>(spec: CommandSpec<I, R>): CommandSpec {
  return spec as unknown as CommandSpec;
}
