/** The framework's commands, in the order `pgphase --help` lists them. An application adds its own. */
import { configCommand } from './config.js';
import { doctorCommand } from './doctor.js';
import { initCommand } from './init.js';
import { lintCommand } from './lint.js';
import { lintSqlCommand } from './lintSql.js';
import { loadCommand } from './load.js';
import { downCommand, migrateCommand } from './migrate.js';
import { newMigrationCommand, newProcedureCommand } from './new.js';
import { newPhaseCommand } from './newPhase.js';
import { pauseCommand } from './pause.js';
import { promoteCommand, pruneCommand, rollbackCommand } from './blueGreen.js';
import { quarantineListCommand, quarantineReplayCommand } from './quarantine.js';
import { reportCommand } from './report.js';
import { resumeCommand } from './resume.js';
import { runCommand } from './run.js';
import type { CommandGroup, CommandSpec } from './spec.js';
import { statusCommand } from './status.js';
import { tuneCommand } from './tune.js';
import { urlCommand } from './url.js';

export const COMMANDS: readonly CommandSpec[] = [
  migrateCommand,
  downCommand,
  statusCommand,
  runCommand,
  loadCommand,
  urlCommand,
  quarantineListCommand,
  quarantineReplayCommand,
  reportCommand,
  lintSqlCommand,
  promoteCommand,
  rollbackCommand,
  pruneCommand,
  doctorCommand,
  pauseCommand,
  resumeCommand,
  tuneCommand,
  configCommand,
  initCommand,
  newMigrationCommand,
  newProcedureCommand,
  newPhaseCommand,
  lintCommand,
];

export const COMMAND_GROUPS: readonly CommandGroup[] = [
  { name: 'quarantine', description: 'rows the phases rejected, by reason' },
  { name: 'new', description: 'scaffold a migration, a procedure or a phase' },
];
