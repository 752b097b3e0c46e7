import { createHash } from 'node:crypto';
import { normaliseLineEndings } from './sqlText.js';

/** sha256 of a file's text with its line endings normalised to LF. */
export function checksum(text: string): string {
  return createHash('sha256').update(normaliseLineEndings(text), 'utf8').digest('hex');
}
