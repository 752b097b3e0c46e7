/**
 * The staging oracle: docs/reason-codes.md and docs/staging.md written again in TypeScript, an
 * implementation independent of the procedures (that is its point), for the property-based fuzz
 * test (test/integration/fuzzStaging.test.ts). Given raw rows (and how PostgreSQL reads their
 * times, which the harness asks it), it says row by row what must happen: staged with which
 * cleaned values, or quarantined with which reason code(s). Pure; unit-tested in
 * test/unit/stagingOracle.test.ts.
 */
export const MARKETS = ['moneylines', 'spreads', 'totals'] as const;
export type Market = (typeof MARKETS)[number];
export type Text = string | null;
export type RawRow = Record<string, Text> & { id?: string; ingested_at?: Text };

export const REASONS = new Set([
  'missing_field',
  'invalid_game_id',
  'invalid_team',
  'same_teams',
  'invalid_timestamp',
  'timestamp_out_of_range',
  'duplicate_game',
  'invalid_sportsbook',
  'unknown_game',
  'invalid_odds',
  'odds_out_of_range',
  'invalid_line',
  'line_not_half_step',
  'line_out_of_range',
  'line_mismatch',
  'overround_negative',
  'overround_too_high',
  'duplicate_snapshot',
  'db_error',
]);
export const COLUMNS: Record<'games' | Market, string[]> = {
  games: ['external_game_id', 'home_team', 'away_team', 'game_start'],
  moneylines: ['external_game_id', 'sportsbook', 'home_odds', 'away_odds', 'captured_at'],
  spreads: ['external_game_id', 'sportsbook', 'home_line', 'home_odds', 'away_line', 'away_odds', 'captured_at'],
  totals: ['external_game_id', 'sportsbook', 'total_line', 'over_odds', 'under_odds', 'captured_at'],
};

// ---------------------------------------------------------------------------------------------
// The oracle: docs/reason-codes.md and docs/staging.md, written again in TypeScript.
// ---------------------------------------------------------------------------------------------

/** PostgreSQL's btrim(x): spaces only, not tabs or newlines. */
export const trim = (v: string) => v.replace(/^ +| +$/g, '');
export const blank = (v: Text) => v === null || trim(v) === '';

export function oddsOf(v: Text): number | null {
  if (v === null) return null;
  const t = trim(v);
  if (!/^[+-]?[1-9][0-9]{2,4}$/.test(t)) return null;
  const n = Number(t);
  return Math.abs(n) >= 100 && Math.abs(n) <= 20_000 ? n : null;
}

/** The reason a price is refused, or the set of codes the documents allow when they are ambiguous. */
export function oddsReason(v: Text): string | string[] | null {
  if (oddsOf(v) !== null) return null;
  if (blank(v)) return 'missing_field';
  const t = trim(v!);
  if (/^[+-]?[0-9]+$/.test(t)) {
    // A whole number out of 100..20000 is odds_out_of_range; one in range written with a leading
    // zero ('-0110') is "not 3-5 digits without a leading zero" (invalid_odds) and "a whole
    // number" at once: the documents allow both.
    const n = Number(t);
    return Math.abs(n) < 100 || Math.abs(n) > 20_000 ? 'odds_out_of_range' : ['odds_out_of_range', 'invalid_odds'];
  }
  return 'invalid_odds';
}

/** A line in thousandths (exact), or null. */
export function lineOf(v: Text): number | null {
  if (v === null) return null;
  const m = /^([+-]?)([0-9]{1,3})(?:\.([0-9]{1,3}))?$/.exec(trim(v));
  if (!m) return null;
  const thousandths = Number(m[2]) * 1000 + Number((m[3] ?? '').padEnd(3, '0'));
  return m[1] === '-' ? -thousandths : thousandths;
}

export function implied(odds: number): number {
  return odds >= 100 ? 100.0 / (odds + 100) : -odds / (100 - odds);
}

export function overroundReason(a: number, b: number): string | null {
  const o = implied(a) + implied(b) - 1;
  if (o < -1e-9) return 'overround_negative';
  if (o >= 0.15) return 'overround_too_high';
  return null;
}

export const fold = (v: string) => v.toLowerCase().replace(/[ .&'_-]/g, '');
export function bookKey(v: Text): string | null {
  if (v === null) return null;
  const t = trim(v);
  return t.length >= 1 && t.length <= 40 && /^[A-Za-z0-9][A-Za-z0-9 .&'_-]*$/.test(t) ? fold(t) : null;
}
export function team(v: Text): string | null {
  if (v === null || !/^ *[A-Za-z0-9][A-Za-z0-9 .&'-]* *$/.test(v)) return null;
  const t = trim(v).replace(/ +/g, ' ');
  return t.length >= 2 && t.length <= 40 ? t : null;
}

/** A time as the documents read it: microseconds since the epoch, or null when it does not parse. */
export type Times = Map<string, bigint | null>;
export const HOUR = 3_600_000_000n;
export const Y2000 = 946_684_800_000_000n;

export interface Staged {
  readonly kind: 'staged';
  readonly values: Record<string, string | number | boolean | null>;
}
export interface Quarantined {
  readonly kind: 'quarantined';
  readonly reasons: string[];
}
export type Outcome = Staged | Quarantined;
export const reject = (r: string | string[]): Quarantined => ({ kind: 'quarantined', reasons: Array.isArray(r) ? r : [r] });

export function judgeGames(rows: RawRow[], times: Times): Map<string, Outcome> {
  const out = new Map<string, Outcome>();
  const firstValid = new Map<string, string>();
  for (const r of rows) {
    const [gid, home, away, start] = [r.external_game_id!, r.home_team!, r.away_team!, r.game_start!];
    const reason = ((): string | null => {
      if ([gid, home, away, start].some((v) => blank(v))) return 'missing_field';
      if (!/^ *[A-Za-z0-9._:-]{1,64} *$/.test(gid)) return 'invalid_game_id';
      if (team(home) === null || team(away) === null) return 'invalid_team';
      if (team(home)!.toUpperCase() === team(away)!.toUpperCase()) return 'same_teams';
      const t = times.get(start);
      if (t === null || t === undefined) return 'invalid_timestamp';
      if (t < Y2000 || t > times.get(`@${r.ingested_at}`)! + 17_520n * HOUR) return 'timestamp_out_of_range';
      return null;
    })();
    if (reason) out.set(r.id!, reject(reason));
    else if (firstValid.has(trim(gid))) out.set(r.id!, reject('duplicate_game'));
    else {
      firstValid.set(trim(gid), r.id!);
      out.set(r.id!, {
        kind: 'staged',
        values: { external_game_id: trim(gid), home_team: team(home), away_team: team(away), game_start: String(times.get(start)) },
      });
    }
  }
  return out;
}

export function judgeMarket(table: Market, rows: RawRow[], times: Times, games: Map<string, bigint>, aliases: Map<string, string>): Map<string, Outcome> {
  const out = new Map<string, Outcome>();
  const seen = new Set<string>();
  const [oddsA, oddsB] = table === 'totals' ? ['over_odds', 'under_odds'] : ['home_odds', 'away_odds'];
  const lineCols = table === 'spreads' ? ['home_line', 'away_line'] : table === 'totals' ? ['total_line'] : [];
  for (const r of rows) {
    const book = bookKey(r.sportsbook!);
    const captured = r.captured_at === null ? null : (times.get(r.captured_at!) ?? null);
    const start = r.external_game_id === null ? undefined : games.get(trim(r.external_game_id!));
    const lines = lineCols.map((c) => lineOf(r[c]!));
    const reason = ((): string | string[] | null => {
      if (blank(r.external_game_id!) || blank(r.sportsbook!) || blank(r.captured_at!)) return 'missing_field';
      if (book === null) return 'invalid_sportsbook';
      if (captured === null) return 'invalid_timestamp';
      if (start === undefined) return 'unknown_game';
      if (captured < Y2000 || captured < start - 8_784n * HOUR || captured > start + 24n * HOUR) return 'timestamp_out_of_range';
      for (const c of [oddsA, oddsB]) {
        const why = oddsReason(r[c]!);
        if (why) return why;
      }
      for (const c of lineCols) if (blank(r[c]!)) return 'missing_field';
      if (lines.some((l) => l === null)) return 'invalid_line';
      if (lines.some((l) => l! % 500 !== 0)) return 'line_not_half_step';
      const inRange = (l: number) => (table === 'spreads' ? Math.abs(l) >= 500 && Math.abs(l) <= 5_500 : l >= 4_000 && l <= 20_000);
      if (lines.some((l) => !inRange(l!))) return 'line_out_of_range';
      if (table === 'spreads' && lines[0] !== -lines[1]!) return 'line_mismatch';
      return overroundReason(oddsOf(r[oddsA]!)!, oddsOf(r[oddsB]!)!);
    })();
    if (reason) {
      out.set(r.id!, reject(reason));
      continue;
    }
    const key = JSON.stringify([trim(r.external_game_id!), book, trim(r.captured_at!), oddsOf(r[oddsA]!), oddsOf(r[oddsB]!), ...lines]);
    if (seen.has(key)) {
      out.set(r.id!, reject('duplicate_snapshot'));
      continue;
    }
    seen.add(key);
    const values: Staged['values'] = {
      game: trim(r.external_game_id!),
      sportsbook: aliases.get(book!) ?? book,
      [oddsA]: oddsOf(r[oddsA]!),
      [oddsB]: oddsOf(r[oddsB]!),
      captured_at: String(captured),
      is_live: captured! >= start!,
    };
    lineCols.forEach((c, i) => (values[c] = lines[i]! / 1000));
    out.set(r.id!, { kind: 'staged', values });
  }
  return out;
}
