/** PostgreSQL servers (postmasters) alive on this machine whose data directory lies under `dir`. */
import { readdirSync, readFileSync } from 'node:fs';

export function postmastersUnder(dir: string): { pid: number; cmdline: string }[] {
  const out: { pid: number; cmdline: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let args: string[];
    try {
      args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
    } catch {
      continue; // exited meanwhile
    }
    const d = args.indexOf('-D');
    if (d >= 0 && /postgres$/.test(args[0] ?? '') && (args[d + 1] ?? '').startsWith(dir)) out.push({ pid: Number(entry), cmdline: args.join(' ').trim() });
  }
  return out;
}
