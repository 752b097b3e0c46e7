/**
 * Commands as data, wired by runner/cli/program.ts: arguments reach a spec's typed input under
 * their names, bad values become one usage error naming the flag, and a project's own command
 * runs through `createProgram` with a session, its `render` deciding the output and exit code.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { commandFor, createProgram, inputOf } from '../../runner/cli/program.js';
import { whole } from '../../runner/commands/flags.js';
import { COMMANDS } from '../../runner/commands/index.js';
import { newProcedureCommand } from '../../runner/commands/new.js';
import { quarantineListCommand } from '../../runner/commands/quarantine.js';
import { defineCommand } from '../../runner/commands/spec.js';
import { ODDS_PROGRAM } from '../../runner/odds/program.js';
import type { Session } from '../../runner/session.js';

const parsed = (spec: (typeof COMMANDS)[number], args: string[]) => {
  const cmd = commandFor(spec).exitOverride();
  cmd.parse(args, { from: 'user' });
  return inputOf(spec, cmd.processedArgs, cmd.opts());
};

describe('command specs', () => {
  afterEach(() => vi.restoreAllMocks());

  it('every spec has a unique name; the odds program adds demo and generate to the framework commands', () => {
    const names = COMMANDS.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).not.toContain('demo');
    expect(ODDS_PROGRAM.commands.map((c) => c.name)).toEqual([...names, 'generate', 'demo']);
  });

  it('arguments reach the input under their names (<schema.name> as schemaName)', () => {
    expect(parsed(newProcedureCommand, ['app.refresh_totals'])).toEqual({ schemaName: 'app.refresh_totals' });
  });

  it('defaults are parsed like given values; a bad one is a usage error naming the flag', () => {
    expect(parsed(quarantineListCommand, [])).toEqual({ limit: 20 });
    expect(() => parsed(quarantineListCommand, ['--limit', '1e20'])).toThrow('--limit must be a whole number from 0 to 100000, not "1e20"');
    expect(() => parsed(quarantineListCommand, ['--reason', 'DROP TABLE'])).toThrow('--reason takes a reason code such as invalid_odds, not "DROP TABLE"');
  });

  it("a project's command runs through createProgram: typed input, a session, render's output and exit code", async () => {
    const seen: { input?: unknown; session?: Session } = {};
    const hello = defineCommand({
      name: 'hello',
      description: 'greets',
      args: [{ name: '<who>', description: 'whom' }],
      options: [{ flags: '--times <n>', description: 'how often', default: '1' }],
      input: z.object({ who: z.string(), times: whole(1, 3) }),
      run: (session, input) => {
        seen.input = input;
        seen.session = session;
        return input.who.repeat(input.times);
      },
      render: (text) => ({ stdout: text, exitCode: 1 }),
    });
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const { program, exitCode } = createProgram({ commands: [hello], phases: [] });
    await program.parseAsync(['node', 'pgphase', 'hello', 'ab', '--times', '2']);
    expect(seen.input).toEqual({ who: 'ab', times: 2 });
    expect(seen.session?.phases).toEqual([]);
    expect(out).toHaveBeenCalledWith('abab\n');
    expect(exitCode()).toBe(1);
    await expect(program.parseAsync(['node', 'pgphase', 'hello', 'ab', '--times', '4'])).rejects.toThrow('--times must be a whole number from 1 to 3, not "4"');
  });
});
