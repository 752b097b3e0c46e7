/**
 * The run's events for the report (pure): control changes (pause, resume, tune, stop, lift,
 * abandon; promote and retire of its blue-green build) drawn as vertical markers on every time
 * chart, and throttle periods and interruptions drawn as shaded periods, all listed in one table
 * with who and why. Times in, Unix milliseconds; out, Unix seconds.
 */
import type { ReportEvent, ThrottlePeriod } from './reportData.js';
import type { Interruption } from './spans.js';

/** A row of the events table; those without `until` are drawn as vertical markers, the others as shaded periods. */
export interface ChartEvent {
  readonly at: number;
  readonly until: number | null;
  /** pause, resume, tune, stop, lift, abandon, promote, retire; throttle; interrupted. */
  readonly kind: string;
  readonly actor: string | null;
  readonly why: string;
}

/** The events table: control changes, throttle periods and interruptions, in time order. */
export function eventRows(events: readonly ReportEvent[], throttle: readonly ThrottlePeriod[], interruptions: readonly Interruption[]): ChartEvent[] {
  const rows: ChartEvent[] = [
    ...events.map((e) => ({ at: e.at / 1_000, until: null, kind: e.kind, actor: e.actor, why: whyOf(e) })),
    ...throttle.map((p) => ({ at: p.start / 1_000, until: p.end / 1_000, kind: 'throttle', actor: 'health gate', why: p.reason })),
    ...interruptions.map((i) => ({
      at: i.start / 1_000,
      until: i.end / 1_000,
      kind: 'interrupted',
      actor: i.ended.map((r) => r.runner).join(', '),
      why: `no runner process alive: ${i.ended.map((r) => r.how ?? 'stopped heartbeating').join(', ')}; resumed by ${i.resumedBy}`,
    })),
  ];
  return rows.sort((a, b) => a.at - b.at);
}

function whyOf(e: ReportEvent): string {
  const d = e.detail ?? {};
  if (typeof d.reason === 'string') return d.reason;
  if (e.kind === 'tune')
    return Object.entries(d)
      .map(([k, v]) => `${k} ${String(v)}`)
      .join(', ');
  return Object.values(d).map(String).join(', ');
}
