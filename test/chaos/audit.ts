/**
 * A direct record of what the disturbed run applied, for the chaos loop. Each step procedure of
 * the pipeline (staging.load_*, curated.build_features) is renamed `<name>__audited` and replaced
 * by a wrapper of the runner's calling convention that writes the batch's key range into
 * chaos_audit.applied and then calls it, in the batch's own transaction: a batch that rolls back
 * leaves no record, a batch that commits twice leaves two. Then:
 * - overlaps: recorded ranges of one procedure that share a key with an earlier one (a batch
 *   applied twice, which an idempotent write would hide from the result checksums);
 * - uncovered: partitions whose recorded ranges do not add up to exactly the partition's width.
 * Test support only; the framework never installs it.
 */
import { PHASES } from '../../runner/odds/phases.js';

const PROCEDURES = [...new Set(PHASES.flatMap((p) => p.steps.map((s) => s.procedure)))];

export const INSTALL_AUDIT = `
  CREATE SCHEMA chaos_audit;
  CREATE TABLE chaos_audit.applied (
    id bigserial PRIMARY KEY, procedure text NOT NULL, lo bigint NOT NULL, hi bigint NOT NULL,
    backend int NOT NULL DEFAULT pg_backend_pid());
  DO $do$
  DECLARE
    v_name text;
    v_schema text;
    v_proc text;
  BEGIN
    FOREACH v_name IN ARRAY $1::text[] LOOP
      v_schema := split_part(v_name, '.', 1);
      v_proc := split_part(v_name, '.', 2);
      EXECUTE format('ALTER PROCEDURE %I.%I RENAME TO %I', v_schema, v_proc, v_proc || '__audited');
      EXECUTE format($w$
        CREATE PROCEDURE %1$I.%2$I (p_run_id bigint, p_lo bigint, p_hi bigint, INOUT rows_in bigint DEFAULT NULL,
          INOUT written bigint DEFAULT NULL, INOUT rejected bigint DEFAULT NULL, INOUT extras jsonb DEFAULT NULL)
        LANGUAGE plpgsql AS $p$
        BEGIN
          INSERT INTO chaos_audit.applied (procedure, lo, hi) VALUES (%3$L, p_lo, p_hi);
          CALL %1$I.%4$I(p_run_id, p_lo, p_hi, rows_in, written, rejected, extras);
        END $p$ $w$, v_schema, v_proc, v_name, v_proc || '__audited');
    END LOOP;
  END $do$`.replace('$1::text[]', `ARRAY[${PROCEDURES.map((p) => `'${p.replace(/'/g, "''")}'`).join(', ')}]`);

export const AUDIT_DEFECTS = `
  WITH ordered AS (
    SELECT a.*, max(hi) OVER (PARTITION BY procedure ORDER BY lo, id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS reach
      FROM chaos_audit.applied a)
  SELECT (SELECT count(*) FROM chaos_audit.applied)::int AS batches,
         (SELECT count(*) FROM ordered WHERE lo <= reach)::int AS overlaps,
         (SELECT count(*) FROM pgphase.partitions p JOIN pgphase.run_steps s ON s.id = p.step_id
           WHERE p.hi - p.lo + 1 <> coalesce((SELECT sum(a.hi - a.lo + 1) FROM chaos_audit.applied a
                                               WHERE a.procedure = s.procedure AND a.lo >= p.lo AND a.hi <= p.hi), 0))::int AS uncovered`;

export interface AuditDefects {
  /** Committed batches recorded. */
  readonly batches: number;
  /** Recorded ranges that share a key with an earlier one of the same procedure. */
  readonly overlaps: number;
  /** Partitions whose committed batches do not cover exactly their key range. */
  readonly uncovered: number;
}
