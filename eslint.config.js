// ESLint: typescript-eslint's recommended rules over the TypeScript sources. Formatting is
// Biome's job (biome.json); ESLint only judges code.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'coverage/', '.pgphase/', 'bench/results/', 'runner/report/page.browser.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // Node scripts in plain JavaScript (the build, the installed bin).
    files: ['**/*.mjs', 'bin/**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
  {
    // The fuzz and isolation tests look for control characters in text on purpose.
    files: ['test/**/*.ts'],
    rules: { 'no-control-regex': 'off' },
  },
  {
    files: ['**/*.ts'],
    rules: {
      // `_`-prefixed parameters are deliberate (interfaces a function must fit); tsc's
      // noUnusedLocals/noUnusedParameters already catch the rest.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    // The line between framework and application: nothing in the framework imports the odds
    // warehouse (runner/odds/), so the published package never depends on it.
    files: ['runner/**/*.ts'],
    ignores: ['runner/odds/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/odds/*', '**/odds'], message: 'framework code must not import the odds application (runner/odds/)' }] },
      ],
    },
  },
  {
    // Commands are functions; only runner/cli/ knows about commander, stdout and signals.
    files: ['runner/commands/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/odds/*', '**/odds'], message: 'framework code must not import the odds application (runner/odds/)' },
            { group: ['**/cli/*', 'commander'], message: 'commands are CLI-free: runner/cli/ wires them (see runner/commands/spec.ts)' },
          ],
        },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'stdout', message: 'return text from render(); runner/cli/ writes it' },
        { object: 'process', property: 'stderr', message: 'return text from render(); runner/cli/ writes it' },
      ],
    },
  },
);
