// Compiles runner/ (the framework; not runner/odds/, the application this repository ships
// with) to JavaScript in dist/ (tsc, tsconfig.build.json) and copies every file of
// runner/ that is not TypeScript next to it, at the same relative path: the framework's schema
// SQL (install.ts reads it relative to itself) and any other asset a module reads that way.
// Runs on `npm pack` / `npm publish` (prepack), so a consumer needs no TypeScript toolchain.
import { execFileSync } from 'node:child_process';
import { cpSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'runner');
const out = join(root, 'dist');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
rmSync(out, { recursive: true, force: true });
execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit', cwd: root });
let copied = 0;
for (const entry of readdirSync(src, { recursive: true, withFileTypes: true })) {
  const from = join(entry.parentPath ?? entry.path, entry.name);
  if (!entry.isFile() || entry.name.endsWith('.ts') || relative(src, from).startsWith('odds')) continue;
  cpSync(from, join(out, relative(src, from)));
  copied++;
}
process.stderr.write(`built dist/ (${copied} asset file(s) copied)\n`);
