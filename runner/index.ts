/**
 * pgphase's programmatic API: every CLI command is one of these typed functions (or a
 * CommandSpec's `run`). None of them calls process.exit or writes to stdout; failures are thrown
 * as PgphaseError subclasses carrying an exit code. A project adds its own commands to the CLI
 * with `runCli({ commands: [...COMMANDS, mine] })` (or `createProgram` to wire it itself).
 */
export { type Config, type ConfigInput, configFromEnv, parseConfig, parseDuration } from './config.js';
export { type Database, openDatabase, connect, withClient } from './db/database.js';
export { startEmbedded, stopAllEmbedded, type EmbeddedServer } from './db/embedded.js';
export * from './errors.js';
export { createLog, type Log } from './log.js';
export { down, migrate, type MigrateOptions, type MigrateResult } from './migrate/migrate.js';
export { migrationStatus, status, type MigrationStatus } from './migrate/status.js';
export { loadPhases, selectPhases, type Phase, type PhaseCheck, type PhaseStep } from './phases.js';
export { planPartitions, type KeyRange } from './plan/planPartitions.js';
export { createBatchState, observeBatch, type BatchControllerOptions } from './plan/batchController.js';
export { decideRetry, backoffMs } from './plan/retryPolicy.js';
export { listQuarantine, replayQuarantine, type QuarantineSummary, type ReplayResult } from './run/quarantine.js';
export { buildReport, type RunReport, type PhaseReport } from './run/report.js';
export { runPipeline, defaultWorkers, type RunOptions } from './run/runPipeline.js';
export { recentRuns, type RunSummary } from './ledger/runStatus.js';
export { lintSql } from './commands/lintSql.js';
export { promote, rollback, pruneVersions, blueGreenStatus, type BlueGreenOptions, type BlueGreenStatus } from './bluegreen/operations.js';
export type { SwapResult } from './bluegreen/swap.js';
export type { PruneResult } from './bluegreen/prune.js';
export { writeHtmlReport, type HtmlReportResult } from './commands/report.js';
export { loadReportData, type ReportData } from './report/reportData.js';
export { buildCharts, type Charts } from './report/reportCharts.js';
export { RunStats, type RunObserver } from './run/stats.js';
export { diagnose, type Check, type DoctorFacts } from './doctor/judge.js';
export { gatherFacts } from './doctor/gather.js';
export { judgeVersion, MIN_MAJOR, MAX_TESTED_MAJOR } from './db/versionRule.js';
export { CONFIG_FILE, loadConfig, type LoadedConfig, type LoadOptions } from './configFile.js';
export { describeConfig, type ConfigEntry } from './commands/config.js';
export { init } from './commands/init.js';
export { newMigration, newProcedure } from './commands/new.js';
export { formatPlan, planMigrate, type MigratePlan, type PlannedMigration } from './migrate/plan.js';
export { statementLocks, type StatementLock } from './migrate/statementLocks.js';
export { formatFindings, lintMigrations, type LintFinding } from './lint/squawk.js';
export { openSession, withDatabase, type Session, type SessionOptions } from './session.js';
export { COMMANDS, COMMAND_GROUPS } from './commands/index.js';
export { defineCommand, type ArgumentSpec, type CommandGroup, type CommandSpec, type OptionSpec, type Rendered } from './commands/spec.js';
export { createProgram, type ProgramOptions } from './cli/program.js';
export { main, runCli } from './cli/runCli.js';
