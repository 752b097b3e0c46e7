/**
 * Writes scaffolded files all or nothing: if any target already exists, nothing is written and
 * a usage error (exit 2) names every file that exists. pgphase never overwrites a user's file.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { UsageError } from '../errors.js';

export interface ScaffoldFile {
  /** Path relative to the project folder; a trailing `/` means an (empty) folder. */
  readonly path: string;
  readonly text?: string;
}

export function writeScaffold(root: string, files: readonly ScaffoldFile[], what: string): string[] {
  const existing = files.filter((f) => existsSync(join(root, f.path))).map((f) => f.path);
  if (existing.length > 0) {
    throw new UsageError(
      `${what}: ${existing.join(', ')} already exist${existing.length === 1 ? 's' : ''} in ${root}; nothing was written`,
      'pgphase never overwrites a file: move or delete it first, or pick another name.',
    );
  }
  for (const f of files) {
    const target = join(root, f.path);
    if (f.path.endsWith('/')) mkdirSync(target, { recursive: true });
    else {
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, f.text ?? '', { flag: 'wx' });
    }
  }
  return files.map((f) => relative(root, join(root, f.path)) || '.');
}
