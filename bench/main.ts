/**
 * `npm run bench`: every mode side by side in one run, on the same generated data in the same
 * database (`pgphase_bench`, fresh and migrated), each from a clean staging state. Prints a
 * table (stdout; stderr with --json, where stdout gets one JSON object) and writes
 * bench/results/<timestamp>.json and .md and bench/results/latest.md.
 * Exit codes: 0 done, 1 a mode failed, 2 usage, 3 database. Ends with process.exit (embedded-
 * postgres installs exit hooks that would otherwise force 0).
 */
import { Command, CommanderError } from 'commander';
import { stopAllEmbedded } from '../runner/db/embedded.js';
import { PgphaseError, redact, wrapError } from '../runner/errors.js';
import { runBench } from './bench.js';
import { formatTable } from './format.js';
import { type BenchOptions, parseOptions, type RawOptions } from './options.js';
import { writeResults } from './results.js';

async function main(argv: string[]): Promise<number> {
  let code = 0;
  const program = new Command('bench')
    .description('pgphase benchmark: limit, record, pgphase_1, pgphase_n, client_loop and curated side by side')
    .option('--rows <n>', 'raw rows to generate, all tables together', '1000000')
    .option('--workers <n>', 'N, the workers of pgphase_n and curated (default: cores, at least 2)')
    .option('--record-workers <n>', 'workers of the record mode (default: N)')
    .option('--modes <list>', 'comma-separated modes (default: all)')
    .option('--seed <n>', 'seed of the sample data', '42')
    .option('--bad-ratio <r>', "share of bad raw rows (default: the generator's)")
    .option('--client-loop-rows <n>', 'rows the client loop really processes, or all; its rate is extrapolated', '20000')
    .option('--record-rows <n>', 'rows the record mode really processes, or all; its rate is extrapolated', '50000')
    .option('--scale <sizes>', 'scaling series of pgphase_n, e.g. 100000,1000000')
    .option('--repeat <n>', 'runs per mode, the fastest kept', '1')
    .option('--json', 'one JSON object on stdout (the table goes to stderr)')
    .option('--no-health-gate', "run the runner modes without the health gate's signals (to measure what the gate costs)")
    .option('--verbose', 'stack traces')
    .exitOverride()
    .action(async (raw: RawOptions) => {
      let options: BenchOptions;
      try {
        options = parseOptions(raw);
      } catch (error) {
        process.stderr.write(`error: ${(error as Error).message}\n`);
        code = 2;
        return;
      }
      const say = (line: string) => process.stderr.write(`bench: ${line}\n`);
      const result = await runBench(options, `npm run bench -- ${argv.slice(2).join(' ')}`.trim(), say);
      const files = writeResults(result);
      const table = formatTable(result);
      if (options.json) {
        process.stderr.write(`${table}\n`);
        process.stdout.write(`${JSON.stringify(result)}\n`);
      } else process.stdout.write(`${table}\n`);
      process.stderr.write(`bench: wrote ${files.json} and ${files.markdown}\n`);
      if (Object.values(result.modes).some((m) => m.skipped?.startsWith('failed')) || !result.stagedCheck.consistent) code = 1;
    });
  try {
    await program.parseAsync(argv);
    return code;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    const wrapped = error instanceof PgphaseError ? error : wrapError(error);
    process.stderr.write(`error: ${redact(wrapped.message)}\n`);
    if (wrapped.hint) process.stderr.write(`hint: ${wrapped.hint}\n`);
    if (process.argv.includes('--verbose')) process.stderr.write(`${redact(String((wrapped.cause as Error | undefined)?.stack ?? wrapped.stack))}\n`);
    return wrapped.exitCode;
  }
}

for (const [signal, exitCode] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const) {
  process.once(signal, () => {
    process.stderr.write(`bench: ${signal}, stopping\n`);
    void stopAllEmbedded().finally(() => process.exit(exitCode));
  });
}
const exitCode = await main(process.argv);
await stopAllEmbedded();
process.exit(exitCode);
