/**
 * `pgphase init`: a new project in the current folder: pgphase.config.json, migrations/,
 * procedures/, phases.json (no phases yet) and a sample integration test on pgphase/testing.
 * All or nothing; never overwrites (exit 2 naming what exists).
 */
import { z } from 'zod';
import { EXIT } from '../errors.js';
import { type ScaffoldFile, writeScaffold } from '../scaffold/writeFiles.js';
import { defineCommand } from './spec.js';
import { configText, SAMPLE_TEST, TEST_GLOBAL_SETUP, VITEST_CONFIG } from '../scaffold/templates.js';

export const INIT_FILES: readonly ScaffoldFile[] = [
  { path: 'pgphase.config.json', text: configText() },
  { path: 'migrations/' },
  { path: 'procedures/' },
  { path: 'phases.json', text: '[]\n' },
  { path: 'test/pgphase.test.ts', text: SAMPLE_TEST },
  { path: 'test/globalSetup.ts', text: TEST_GLOBAL_SETUP },
  { path: 'vitest.config.ts', text: VITEST_CONFIG },
];

/** Writes the project skeleton into `root`; returns the paths written. */
export function init(root: string): string[] {
  return writeScaffold(root, INIT_FILES, 'pgphase init');
}

export const initCommand = defineCommand({
  name: 'init',
  description: 'start a pgphase project in this folder: pgphase.config.json, migrations/, procedures/, phases.json and a sample test (never overwrites)',
  input: z.object({}),
  run: () => init(process.cwd()),
  render: (written) => ({
    stdout: [
      `wrote ${written.join(', ')}`,
      'next:',
      '  npx pgphase new migration create_things     # then write its Up and Down sections',
      '  npx pgphase migrate                         # embedded PostgreSQL in .pgphase/ unless DATABASE_URL is set',
      '  npx pgphase new phase <name> --source <schema.table> --target <schema.table>',
      '  npm i -D vitest@4.1.12 && npx vitest run    # the sample test (testcontainers@12.0.1 and @testcontainers/postgresql@12.0.1 to use Docker)',
      'add .pgphase/ to .gitignore',
    ].join('\n'),
    exitCode: EXIT.ok,
  }),
});
