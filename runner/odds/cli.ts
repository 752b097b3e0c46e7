#!/usr/bin/env node
/**
 * The odds warehouse's CLI (`npm run pgphase`, `npm run demo`): the framework's commands plus
 * `demo` and `generate`, and the odds phases as the default when no phases file is configured.
 */
import { runCli } from '../cli/runCli.js';
import { ODDS_PROGRAM } from './program.js';

await runCli(ODDS_PROGRAM);
