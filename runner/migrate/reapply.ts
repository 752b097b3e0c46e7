/**
 * Why a procedure will be re-applied although its file did not change: `down` (and a migration)
 * may drop what procedures live in, so the recorded checksums are replaced by a marker naming
 * the reason, which `status` and `migrate --dry-run` print instead of "changed since applied".
 */
const PREFIX = 'reapply: ';

export function reapplyMarker(reason: string): string {
  return `${PREFIX}${reason}`;
}

/** The reason recorded by `reapplyMarker`, or undefined for a real checksum. */
export function reapplyReason(recorded: string): string | undefined {
  return recorded.startsWith(PREFIX) ? recorded.slice(PREFIX.length) : undefined;
}
