/**
 * `pgphase new phase <name> --source <schema.table> --target <schema.table> [--key id]`: a phase
 * on the generic isolation driver that runs as scaffolded — the classification to fill in, the
 * step procedure, the target's migration when none creates it, and the entry in the phases file.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { z } from 'zod';
import type { Config } from '../config.js';
import { EXIT, showInput, UsageError } from '../errors.js';
import { readMigrationsFrom } from '../migrate/readMigrationsFrom.js';
import {
  classifyName,
  classifyText,
  computedColumns,
  phaseEntry,
  type PhaseSpec,
  scaffoldTarget,
  stepName,
  stepText,
  targetMigrationText,
} from '../scaffold/phaseTemplates.js';
import { tablesFromMigrations } from '../scaffold/tablesFromMigrations.js';
import { NAME, nextMigrationNumber, QUALIFIED } from '../scaffold/templates.js';
import { type ScaffoldFile, writeScaffold } from '../scaffold/writeFiles.js';
import { defineCommand } from './spec.js';

function check(spec: PhaseSpec): void {
  if (!/^[a-z][a-z0-9_]{0,40}$/.test(spec.name))
    throw new UsageError(
      `a phase name is lower-case letters, digits and _, not ${showInput(spec.name)}`,
      'For example: pgphase new phase clean_customers --source app.customers --target app.clean_customers',
    );
  for (const [flag, value] of [
    ['--source', spec.source],
    ['--target', spec.target],
  ] as const) {
    if (!QUALIFIED.test(value))
      throw new UsageError(`${flag} takes schema.table in lower case, not ${showInput(value)}`, 'For example: --source app.customers');
  }
  if (!NAME.test(spec.key)) throw new UsageError(`--key takes a column name, not ${showInput(spec.key)}`, "The source's bigint key column, e.g. --key id");
}

/** Writes the phase's files and adds it to the phases file; returns the paths written. */
export async function newPhase(config: Config, spec: PhaseSpec): Promise<string[]> {
  check(spec);
  if (!config.phases)
    throw new UsageError(
      'no phases file is configured (setting phases)',
      'Set "phases": "phases.json" in pgphase.config.json (pgphase init does), or PGPHASE_PHASES.',
    );
  const phases: { name: string }[] = existsSync(config.phases) ? JSON.parse(readFileSync(config.phases, 'utf8')) : [];
  if (phases.some((p) => p.name === spec.name))
    throw new UsageError(`phase ${spec.name} already exists in ${config.phases}`, 'Pick another name, or edit its entry there.');
  const migrations = await readMigrationsFrom(config);
  const tables = await tablesFromMigrations(migrations);
  const source = tables.get(spec.source);
  const existing = tables.get(spec.target);
  const target = existing ?? scaffoldTarget(spec, source);
  const file = (qualified: string) => `${qualified.replace('.', '_')}.sql`;
  const procedures: ScaffoldFile[] = [
    { path: file(classifyName(spec)), text: classifyText(spec, computedColumns(source, target)) },
    { path: file(stepName(spec)), text: stepText(spec) },
  ];
  const written = writeScaffold(config.proceduresDir, procedures, 'pgphase new phase').map((p) => join(config.proceduresDir, p));
  if (!existing) {
    const name = `${nextMigrationNumber(migrations.map((m) => `${m.name}.sql`))}_create_${spec.target.replace('.', '_')}.sql`;
    writeScaffold(config.migrationsDir, [{ path: name, text: targetMigrationText(spec, target) }], 'pgphase new phase');
    written.push(join(config.migrationsDir, name));
  }
  writeFileSync(config.phases, `${JSON.stringify([...phases, phaseEntry(spec)], null, 2)}\n`);
  written.push(config.phases);
  return written;
}

export const newPhaseCommand = defineCommand({
  name: 'new phase',
  description: 'scaffold a phase on the generic isolation driver: the classification to fill in, its step, its phases.json entry',
  args: [{ name: '<name>', description: 'the phase, e.g. clean_customers' }],
  options: [
    { flags: '--source <schema.table>', description: 'the table read, by key ranges', required: true },
    { flags: '--target <schema.table>', description: 'the table written (a migration creates it when none does yet)', required: true },
    { flags: '--key <column>', description: "the source's bigint key column", default: 'id' },
  ],
  input: z.object({ name: z.string(), source: z.string(), target: z.string(), key: z.string() }),
  run: (session, input) => newPhase(session.config, input),
  render: (written, input) => ({
    stdout: `wrote ${written.map((p) => relative(process.cwd(), p)).join(', ')}\nnext: fill in ${relative(process.cwd(), written[0]!)}, then pgphase migrate && pgphase run ${input.name}`,
    exitCode: EXIT.ok,
  }),
});
