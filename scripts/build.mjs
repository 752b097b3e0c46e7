// Compiles runner/ to JavaScript in dist/ (tsc, tsconfig.build.json) and copies what is not
// TypeScript next to it: the framework's schema SQL, which install.ts reads relative to itself.
// Runs on `npm pack` / `npm publish` (prepack), so a consumer needs no TypeScript toolchain.
import { execFileSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
rmSync(join(root, 'dist'), { recursive: true, force: true });
execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit', cwd: root });
cpSync(join(root, 'runner', 'framework', 'schema'), join(root, 'dist', 'framework', 'schema'), { recursive: true });
process.stderr.write('built dist/\n');
