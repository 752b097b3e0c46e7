/**
 * CPU time of the server's work for one bench mode, for a local server, read from /proc: the
 * backends serving the mode's connections (and their parallel workers), apart from the server's
 * background processes (checkpointer, WAL writer, autovacuum workers...), whose work is reported
 * beside it. The postmaster is the parent of the meter's own backend. A backend that exits during
 * the window (the runner's pool closes with the mode) is counted through the postmaster's reaped
 * children time (`cutime` + `cstime`), which holds every exited child's whole CPU: the background
 * processes that exited are taken back out as last sampled (every 100 ms), and a backend that
 * existed before the window counts from its first sample. Elsewhere (a remote server, no /proc)
 * there is no meter and the bench says so: ask the server's host (`pidstat -C postgres`, a
 * provider's CPU metrics). CPU time moves less than wall time when another job shares the machine.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import pg from 'pg';

const BACKGROUND =
  /^postgres: (checkpointer|background writer|walwriter|autovacuum|logical replication|archiver|stats collector|walsender|walreceiver|startup|io worker|walsummarizer|slotsync)/;

/** utime + stime, the reaped children's cutime + cstime, and ppid of a process, from /proc/<pid>/stat. */
function stat(pid: number): { ticks: number; reaped: number; ppid: number } | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null; // exited meanwhile
  }
  // The command name (field 2) is in parentheses and may hold spaces: count fields after it.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const n = (i: number) => Number(fields[i - 3]);
  return { ppid: n(4), ticks: n(14) + n(15), reaped: n(16) + n(17) };
}

function isBackground(pid: number): boolean {
  try {
    return BACKGROUND.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' '));
  } catch {
    return false;
  }
}

export interface CpuReading {
  /** CPU seconds of the backends serving the mode. */
  readonly backends: number;
  /** CPU seconds of the server's background processes and the postmaster meanwhile. */
  readonly background: number;
}

export interface CpuWindow {
  stop(): CpuReading;
}

export interface CpuMeter {
  readonly postmaster: number;
  /** Starts measuring; stop() returns what the server spent since. */
  start(): CpuWindow;
}

export type CpuMeterResult = { readonly meter: CpuMeter } | { readonly unavailable: string };

interface Child {
  first: number;
  last: number;
  background: boolean;
}

function children(postmaster: number): Map<number, { ticks: number }> {
  const out = new Map<number, { ticks: number }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const s = stat(Number(entry));
    if (s?.ppid === postmaster) out.set(Number(entry), { ticks: s.ticks });
  }
  return out;
}

/**
 * The postmaster's times and its living children, consistently: a child reaped between the two
 * reads would be in neither (its /proc entry goes once its times are in the postmaster's reaped
 * time), so the postmaster is read before and after the children until both reads agree.
 */
function snapshot(postmaster: number): { pm: { ticks: number; reaped: number }; alive: Map<number, { ticks: number }> } {
  for (let attempt = 0; ; attempt++) {
    const before = stat(postmaster) ?? { ticks: 0, reaped: 0, ppid: 0 };
    const alive = children(postmaster);
    const after = stat(postmaster) ?? before;
    if (after.reaped === before.reaped || attempt >= 20) return { pm: after, alive };
  }
}

function window(postmaster: number, hz: number): CpuWindow {
  const initial = snapshot(postmaster);
  const start = initial.pm;
  const seen = new Map<number, Child>();
  const sample = (kids: Map<number, { ticks: number }>, initial: boolean) => {
    for (const [pid, { ticks }] of kids) {
      const known = seen.get(pid);
      if (known) known.last = ticks;
      else seen.set(pid, { first: initial ? ticks : 0, last: ticks, background: isBackground(pid) });
    }
  };
  sample(initial.alive, true);
  const timer = setInterval(() => sample(children(postmaster), false), 100);
  timer.unref();
  return {
    stop: () => {
      clearInterval(timer);
      const { pm: end, alive } = snapshot(postmaster);
      sample(alive, false);
      let backends = end.reaped - start.reaped;
      let background = end.ticks - start.ticks;
      for (const [pid, c] of seen) {
        const now = alive.get(pid);
        if (now) {
          if (c.background) background += now.ticks - c.first;
          else backends += now.ticks - c.first;
        } else if (c.background) {
          backends -= c.last; // its whole CPU is in the reaped time
          background += c.last - c.first;
        } else backends -= c.first; // what it used before the window
      }
      return { backends: Math.max(0, backends) / hz, background: Math.max(0, background) / hz };
    },
  };
}

export async function openCpuMeter(url: string): Promise<CpuMeterResult> {
  let hz: number;
  try {
    hz = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    readdirSync('/proc');
  } catch {
    return { unavailable: 'no /proc on this machine' };
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  let mine: ReturnType<typeof stat>;
  try {
    // Read while the backend lives: it exits with the connection.
    mine = stat((await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid);
  } finally {
    await client.end();
  }
  if (!mine) return { unavailable: 'the server does not run on this machine (its backend is not in /proc)' };
  const postmaster = mine.ppid;
  if (!stat(postmaster)) return { unavailable: `cannot read the postmaster (pid ${postmaster}) in /proc` };
  return { meter: { postmaster, start: () => window(postmaster, hz) } };
}
