/**
 * Periods on the report's time axis (pure): merging overlapping ones, cutting some out of others,
 * and a run's interruptions, the gaps when no runner process of the run was alive (the union of
 * their lifetimes in pgphase.run_runners has a hole). Times are Unix milliseconds.
 */
import type { ReportRunner } from './reportData.js';

export interface Span {
  readonly start: number;
  readonly end: number;
}

/** A period when no runner process worked on the run: who ended before it, and how. */
export interface Interruption extends Span {
  readonly ended: { readonly runner: string; readonly how: string | null }[];
  /** The runner process that took the run up again. */
  readonly resumedBy: string;
}

/** Merges spans that overlap or lie less than `slack` ms apart; sorted by start. */
export function mergeSpans<S extends Span>(spans: readonly S[], slack = 0): Span[] {
  const out: Span[] = [];
  for (const s of [...spans].sort((a, b) => a.start - b.start)) {
    const last = out[out.length - 1];
    if (last && s.start <= last.end + slack) out[out.length - 1] = { start: last.start, end: Math.max(last.end, s.end) };
    else out.push({ start: s.start, end: s.end });
  }
  return out;
}

/** `span` without the parts `holes` cover (holes sorted, not overlapping). */
export function cutSpan(span: Span, holes: readonly Span[]): Span[] {
  if (span.end <= span.start) return holes.some((h) => h.start < span.start && h.end > span.start) ? [] : [span];
  const out: Span[] = [];
  let start = span.start;
  for (const h of holes) {
    if (h.end <= start || h.start >= span.end) continue;
    if (h.start > start) out.push({ start, end: h.start });
    start = Math.max(start, h.end);
  }
  if (start < span.end) out.push({ start, end: span.end });
  return out;
}

/** Total length of spans that do not overlap. */
export const spanLength = (spans: readonly Span[]) => spans.reduce((a, s) => a + (s.end - s.start), 0);

/**
 * The gaps in the union of the run's runner processes' lifetimes, in time order. Before the
 * first process and after the last there is no gap to tell: the run had not begun, or is over or
 * still waiting to be resumed.
 */
export function interruptionsOf(runners: readonly ReportRunner[]): Interruption[] {
  const sorted = [...runners].sort((a, b) => a.start - b.start);
  const out: Interruption[] = [];
  let reach = -Infinity;
  let alive: ReportRunner[] = [];
  for (const r of sorted) {
    if (r.start > reach && alive.length) {
      const last = Math.max(...alive.map((a) => a.end));
      out.push({
        start: last,
        end: r.start,
        ended: alive.filter((a) => a.end === last).map((a) => ({ runner: a.runner, how: a.how })),
        resumedBy: r.runner,
      });
      alive = [];
    }
    alive.push(r);
    reach = Math.max(reach, r.end);
  }
  return out;
}
