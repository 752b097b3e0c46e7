/**
 * `pgphase new migration <name> [--no-transaction]` and `pgphase new procedure <schema.name>`:
 * files in the configured folders, in the shapes pgphase reads. `new phase` is in newPhase.ts.
 */
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { z } from 'zod';
import type { Config } from '../config.js';
import { EXIT, showInput, UsageError } from '../errors.js';
import { migrationText, NAME, nextMigrationNumber, procedureText, QUALIFIED } from '../scaffold/templates.js';
import { writeScaffold } from '../scaffold/writeFiles.js';
import { defineCommand } from './spec.js';

function listDir(dir: string, setting: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    throw new UsageError(
      `the migrations folder ${dir} does not exist (setting ${setting})`,
      'Run `pgphase init`, or point migrationsDir in pgphase.config.json (or PGPHASE_MIGRATIONS_DIR) at your migrations.',
    );
  }
}

/** Writes the next numbered migration; returns its path. */
export function newMigration(config: Config, name: string, options: { noTransaction?: boolean } = {}): string {
  if (!NAME.test(name))
    throw new UsageError(
      `a migration name is lower-case letters, digits and _ (at most 51), starting with a letter, not ${showInput(name)}`,
      'For example: pgphase new migration add_customer_email',
    );
  const existing = listDir(config.migrationsDir, 'migrationsDir');
  const clash = existing.find((f) => f.replace(/^\d+_/, '').replace(/\.sql$/, '') === name);
  if (clash)
    throw new UsageError(
      `a migration named ${name} already exists: ${clash}`,
      'Pick another name: migrations are append-only, so a change to it goes in a new one.',
    );
  const file = `${nextMigrationNumber(existing)}_${name}.sql`;
  writeScaffold(config.migrationsDir, [{ path: file, text: migrationText(name, Boolean(options.noTransaction)) }], 'pgphase new migration');
  return join(config.migrationsDir, file);
}

/** Writes `procedures/<schema>_<name>.sql`; returns its path. */
export function newProcedure(config: Config, qualified: string): string {
  const match = QUALIFIED.exec(qualified);
  if (!match)
    throw new UsageError(
      `a procedure is named schema.name in lower case, not ${showInput(qualified)}`,
      'For example: pgphase new procedure app.refresh_totals',
    );
  const file = `${match[1]}_${match[2]}.sql`;
  writeScaffold(config.proceduresDir, [{ path: file, text: procedureText(match[1]!, match[2]!) }], 'pgphase new procedure');
  return join(config.proceduresDir, file);
}

const wrote = (path: string) => ({ stdout: `wrote ${relative(process.cwd(), path)}`, exitCode: EXIT.ok });

export const newMigrationCommand = defineCommand({
  name: 'new migration',
  description: 'write the next numbered migration with Up and Down sections',
  args: [{ name: '<name>', description: 'what it does, e.g. add_customer_email' }],
  options: [{ flags: '--no-transaction', description: 'outside a transaction (CREATE INDEX CONCURRENTLY): writes the -- no-transaction header' }],
  input: z.object({ name: z.string(), transaction: z.boolean() }),
  run: (session, input) => newMigration(session.config, input.name, { noTransaction: !input.transaction }),
  render: wrote,
});

export const newProcedureCommand = defineCommand({
  name: 'new procedure',
  description: 'write procedures/<schema>_<name>.sql, a CREATE OR REPLACE re-applied when it changes',
  args: [{ name: '<schema.name>', description: 'the procedure to create' }],
  input: z.object({ schemaName: z.string() }),
  run: (session, input) => newProcedure(session.config, input.schemaName),
  render: wrote,
});
