/**
 * The generic phase contract's counters, read from the row a phase procedure's CALL returns:
 * rows_in (source rows read), written (rows written to the target), rejected (rows quarantined)
 * and extras, named counters a phase adds (the odds staging phase: duplicates, a part of
 * rejected). A procedure returns them as INOUT parameters; `extras` is a jsonb object of
 * numbers. Procedures written for pgphase 0.1 (staged, quarantined, duplicates) still read
 * right: staged is written, quarantined is rejected, and any other numeric column is an extra.
 * Pure: no database handle.
 */
export interface PhaseCounts {
  readonly rowsIn: number;
  readonly written: number;
  readonly rejected: number;
  readonly extras: Readonly<Record<string, number>>;
}

export const NO_COUNTS: PhaseCounts = { rowsIn: 0, written: 0, rejected: 0, extras: {} };

const CORE = new Set(['rows_in', 'written', 'staged', 'rejected', 'quarantined', 'extras']);

function count(value: unknown): number {
  const n = typeof value === 'string' ? Number(value) : typeof value === 'number' ? value : Number.NaN;
  return Number.isFinite(n) ? n : 0;
}

/** The counters of one CALL's output row (missing or NULL ones are 0). */
export function phaseCounts(row: Readonly<Record<string, unknown>> | undefined): PhaseCounts {
  if (!row) return NO_COUNTS;
  const extras: Record<string, number> = {};
  const declared = row.extras;
  if (declared && typeof declared === 'object' && !Array.isArray(declared)) {
    for (const [name, value] of Object.entries(declared)) extras[name] = count(value);
  }
  for (const [name, value] of Object.entries(row)) {
    if (!CORE.has(name) && value !== null && (typeof value === 'number' || (typeof value === 'string' && /^-?\d+$/.test(value)))) {
      extras[name] = count(value);
    }
  }
  return {
    rowsIn: count(row.rows_in),
    written: count(row.written ?? row.staged),
    rejected: count(row.rejected ?? row.quarantined),
    extras,
  };
}

/** Adds named extras (for summing batches and partitions). */
export function addExtras(a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>): Record<string, number> {
  const sum: Record<string, number> = { ...a };
  for (const [name, n] of Object.entries(b)) sum[name] = (sum[name] ?? 0) + n;
  return sum;
}
