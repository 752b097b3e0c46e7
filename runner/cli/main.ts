#!/usr/bin/env node
/**
 * The `pgphase` CLI of the framework: its commands (runner/commands/index.ts) and the phases of
 * the configured phases file. An application adds its own commands and phases with its own
 * entry calling `runCli` (this repository's: runner/odds/cli.ts).
 */
import { COMMAND_GROUPS, COMMANDS } from '../commands/index.js';
import { runCli } from './runCli.js';

await runCli({ commands: COMMANDS, groups: COMMAND_GROUPS });
