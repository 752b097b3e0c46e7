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
  sourceKeyMigrations,
  sourceKeyOf,
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

/** Writes the phase's files and adds it to the phases file; returns the paths written and how the target keys the source. */
export async function newPhase(config: Config, spec: PhaseSpec): Promise<{ written: string[]; why: string }> {
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
  const key = sourceKeyOf(spec, existing);
  const file = (qualified: string) => `${qualified.replace('.', '_')}.sql`;
  const procedures: ScaffoldFile[] = [
    { path: file(classifyName(spec)), text: classifyText(spec, computedColumns(source, target, key.column), key.column) },
    { path: file(stepName(spec)), text: stepText(spec, key.column) },
  ];
  const written = writeScaffold(config.proceduresDir, procedures, 'pgphase new phase').map((p) => join(config.proceduresDir, p));
  const names = migrations.map((m) => `${m.name}.sql`);
  const migration = (suffix: string, text: string) => {
    const name = `${nextMigrationNumber(names)}_${suffix}.sql`;
    names.push(name);
    writeScaffold(config.migrationsDir, [{ path: name, text }], 'pgphase new phase');
    written.push(join(config.migrationsDir, name));
  };
  const table = spec.target.replace('.', '_');
  if (!existing) migration(`create_${table}`, targetMigrationText(spec, target));
  if (key.add) {
    const texts = sourceKeyMigrations(spec);
    migration(`${table}_source_raw_id`, texts.column);
    migration(`${table}_source_raw_id_key`, texts.index);
  }
  writeFileSync(config.phases, `${JSON.stringify([...phases, phaseEntry(spec)], null, 2)}\n`);
  written.push(config.phases);
  return { written, why: key.why };
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
  render: ({ written, why }, input) => ({
    stdout: [
      `wrote ${written.map((p) => relative(process.cwd(), p)).join(', ')}`,
      ...(why ? [why] : []),
      `next: fill in ${relative(process.cwd(), written[0]!)}, then pgphase migrate && pgphase run ${input.name}`,
    ].join('\n'),
    exitCode: EXIT.ok,
  }),
});
