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
);
