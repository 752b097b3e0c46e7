/** The versions of blue-green phases, in pgphase.bluegreen_versions (framework file 0040). */
import type pg from 'pg';

export type VersionState = 'building' | 'verified' | 'failed' | 'live' | 'previous' | 'retired' | 'dropped';

export interface CheckOutcome {
  readonly name: string;
  readonly passed: boolean;
  /** Violating rows seen, at most `SAMPLE + 1` (so "6" reads as "more than 5"). */
  readonly violations: number;
  readonly sample: readonly Record<string, unknown>[];
  /** Set when the check query itself failed. */
  readonly error?: string;
}

export interface Version {
  readonly id: string;
  readonly phase: string;
  readonly runId: string | null;
  readonly state: VersionState;
  readonly outputSchema: string;
  readonly parkedSchema: string;
  readonly tables: readonly string[];
  readonly checks: readonly CheckOutcome[] | null;
  readonly createdAt: Date;
  readonly verifiedAt: Date | null;
  readonly promotedAt: Date | null;
}

export interface PhaseVersions {
  readonly live?: Version;
  readonly previous?: Version;
  /** A build not yet promoted: building, verified or failed. */
  readonly pending?: Version;
  /** Parked versions older than previous, or rolled back from, kept until `prune`. */
  readonly retired: readonly Version[];
}

const COLUMNS = `id::text, phase, run_id::text AS "runId", state, output_schema AS "outputSchema", parked_schema AS "parkedSchema",
  tables, checks, created_at AS "createdAt", verified_at AS "verifiedAt", promoted_at AS "promotedAt"`;

/** Every version of a phase that still has tables, by role; `lock` takes their rows FOR UPDATE. */
export async function phaseVersions(client: pg.ClientBase, phase: string, lock = false): Promise<PhaseVersions> {
  const { rows } = await client.query<Version>(
    `SELECT ${COLUMNS} FROM pgphase.bluegreen_versions WHERE phase = $1 AND state <> 'dropped' ORDER BY bluegreen_versions.id${lock ? ' FOR UPDATE' : ''}`,
    [phase],
  );
  return {
    live: rows.find((v) => v.state === 'live'),
    previous: rows.find((v) => v.state === 'previous'),
    pending: rows.find((v) => v.state === 'building' || v.state === 'verified' || v.state === 'failed'),
    retired: rows.filter((v) => v.state === 'retired'),
  };
}

/** The version a run builds for a phase, if it has one. */
export async function versionOfRun(client: pg.ClientBase, phase: string, runId: string): Promise<Version | undefined> {
  const { rows } = await client.query<Version>(`SELECT ${COLUMNS} FROM pgphase.bluegreen_versions WHERE phase = $1 AND run_id = $2`, [phase, runId]);
  return rows[0];
}

export async function setState(client: pg.ClientBase, id: string, state: VersionState, checks?: readonly CheckOutcome[]): Promise<void> {
  await client.query(
    `UPDATE pgphase.bluegreen_versions
        SET state = $2, checks = coalesce($3::jsonb, checks),
            verified_at = CASE WHEN $2 IN ('verified', 'failed') THEN now() ELSE verified_at END,
            promoted_at = CASE WHEN $2 = 'live' THEN now() ELSE promoted_at END,
            retired_at = CASE WHEN $2 = 'retired' THEN now() ELSE retired_at END,
            dropped_at = CASE WHEN $2 = 'dropped' THEN now() ELSE dropped_at END
      WHERE id = $1`,
    [id, state, checks ? JSON.stringify(checks) : null],
  );
}
