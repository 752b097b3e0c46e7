/**
 * The migration files of the configured folder, or a configuration error (exit 2) naming the
 * setting when the folder does not exist, instead of a raw ENOENT.
 */
import { existsSync } from 'node:fs';
import type { Config } from '../config.js';
import { UsageError } from '../errors.js';
import { type MigrationFile, readMigrations } from './migrationFile.js';

export async function readMigrationsFrom(config: Config): Promise<MigrationFile[]> {
  if (!existsSync(config.migrationsDir)) {
    throw new UsageError(
      `the migrations folder ${config.migrationsDir} does not exist (setting migrationsDir)`,
      'Set migrationsDir in pgphase.config.json, PGPHASE_MIGRATIONS_DIR or --migrations-dir to your migrations folder, or run `pgphase init`.',
    );
  }
  return readMigrations(config.migrationsDir);
}
