/**
 * Writes a run's result: bench/results/<timestamp>.json and .md, and bench/results/latest.md
 * overwritten. Files are written whole to a .tmp name and renamed, so a reader never sees half.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatMarkdown } from './format.js';
import type { BenchResult } from './result.js';

export const RESULTS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'results');

function writeWhole(path: string, text: string): void {
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}

export function writeResults(result: BenchResult, dir = RESULTS_DIR): { json: string; markdown: string } {
  mkdirSync(dir, { recursive: true });
  const stamp = result.startedAt.replace(/[:.]/g, '-');
  const json = join(dir, `${stamp}.json`);
  const markdown = join(dir, `${stamp}.md`);
  const md = formatMarkdown(result);
  writeWhole(json, `${JSON.stringify(result, null, 2)}\n`);
  writeWhole(markdown, md);
  writeWhole(join(dir, 'latest.md'), md);
  return { json, markdown };
}
