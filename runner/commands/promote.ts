import type { Command } from 'commander';
import { makeContext, withDatabase, type GlobalFlags } from '../cli/context.js';
import { promote } from '../bluegreen/operations.js';
import type { SwapResult } from '../bluegreen/swap.js';
import { EXIT } from '../errors.js';

export function formatSwap(kind: string, r: SwapResult): string {
  const live = r.live.runId === null ? 'the initial tables' : `run ${r.live.runId}`;
  const previous = r.previous
    ? ` (previous: ${r.previous.runId === null ? 'the initial tables' : `run ${r.previous.runId}`}, kept in ${r.previous.schema})`
    : '';
  return `${kind} ${r.phase}: live is now ${live}${previous}; ${r.ms} ms, ${r.attempts} attempt(s)`;
}

export function registerPromote(program: Command, setExit: (code: number) => void): void {
  program
    .command('promote')
    .argument('<phase>', 'a blue-green phase')
    .description(
      'expose the verified shadow build of a blue-green phase: one short transaction swaps it with the live tables, which are kept as the previous version',
    )
    .option('--json', 'print the result as JSON on stdout')
    .action(async (phase: string, opts: { json?: boolean }) => {
      const ctx = makeContext(program.opts<GlobalFlags>());
      const r = await withDatabase(ctx, (db) => promote({ url: db.url, config: ctx.config, phase, log: ctx.log }));
      process.stdout.write(opts.json ? `${JSON.stringify(r)}\n` : `${formatSwap('promoted', r)}\n`);
      setExit(EXIT.ok);
    });
}
