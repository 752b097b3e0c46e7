/**
 * The chaos loop's schedule, a pure function of a seed: which disturbances come in which order,
 * how long to wait before each, and which runner or backend each one picks. The same seed gives
 * the same schedule, so a failing chaos run can be replayed with PGPHASE_CHAOS_SEED. (What the
 * disturbances meet still depends on timing; the schedule does not.)
 */

export type ChaosAction =
  | { readonly kind: 'kill'; readonly pick: number }
  | { readonly kind: 'terminate'; readonly pick: number }
  | { readonly kind: 'restart'; readonly pauseMs: number };

export interface ChaosStep {
  /** Wait before the action, in ms. */
  readonly waitMs: number;
  readonly action: ChaosAction;
}

export interface ScheduleLimits {
  readonly kills: number;
  readonly terminations: number;
  readonly restarts: number;
}

/** mulberry32: a small, well-mixed 32-bit PRNG; returns floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const EARLY = 3;

/** Index `i` of a list of `n` items chosen by `pick` in [0, 1). */
export const pickIndex = (pick: number, n: number) => Math.min(n - 1, Math.floor(pick * n));

/**
 * Every kill, termination and restart of `limits`, shuffled, with a kill and the first restart
 * moved among the first three steps: a run that finishes early must still have met both.
 */
export function chaosSchedule(seed: number, limits: ScheduleLimits): ChaosStep[] {
  const random = seededRandom(seed);
  const kinds: ChaosAction['kind'][] = [
    ...Array<'kill'>(limits.kills).fill('kill'),
    ...Array<'terminate'>(limits.terminations).fill('terminate'),
    ...Array<'restart'>(limits.restarts).fill('restart'),
  ];
  for (let i = kinds.length - 1; i > 0; i--) {
    const j = pickIndex(random(), i + 1);
    [kinds[i], kinds[j]] = [kinds[j]!, kinds[i]!];
  }
  for (const kind of ['kill', 'restart'] as const) {
    const at = kinds.indexOf(kind);
    if (at < EARLY) continue; // absent, or early already
    // A termination among the first steps makes room; else the first steps are all of the
    // other kind, and the third of them goes.
    const terminate = kinds.findIndex((k, i) => i < EARLY && k === 'terminate');
    const slot = terminate >= 0 ? terminate : EARLY - 1;
    [kinds[slot], kinds[at]] = [kinds[at]!, kinds[slot]!];
  }
  return kinds.map((kind) => {
    const waitMs = Math.round(100 + random() * 500);
    if (kind === 'restart') return { waitMs, action: { kind, pauseMs: Math.round(300 + random() * 700) } };
    return { waitMs, action: { kind, pick: random() } };
  });
}
