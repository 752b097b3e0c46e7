/** The odds warehouse as a pgphase program: the framework's commands, `demo`, `generate` and the odds phases. */
import type { ProgramOptions } from '../cli/program.js';
import { COMMAND_GROUPS, COMMANDS } from '../commands/index.js';
import { demoCommand } from './demo.js';
import { generateCommand } from './generate.js';
import { PHASES } from './phases.js';

export const ODDS_PROGRAM: ProgramOptions = {
  commands: [...COMMANDS, generateCommand, demoCommand],
  groups: COMMAND_GROUPS,
  phases: PHASES,
};
