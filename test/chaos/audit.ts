/**
 * A direct record of what the disturbed run applied, for the chaos loop: a row trigger on the
 * ledger's partitions writes every cursor move (one committed batch: keys [old next_key,
 * new next_key - 1] of a partition) into chaos_audit.applied, in the batch's own transaction, so
 * a batch that rolls back leaves no record and a batch that commits twice leaves two. Then:
 * - overlaps: pairs of recorded ranges of one source and phase that share a key (a batch
 *   applied twice, which an idempotent write would hide from the result checksums);
 * - uncovered: partitions whose recorded ranges do not add up to the partition's width.
 * Test support only; the framework never installs it.
 */

export const INSTALL_AUDIT = `
  CREATE SCHEMA chaos_audit;
  CREATE TABLE chaos_audit.applied (
    id bigserial PRIMARY KEY, partition_id bigint NOT NULL, phase text NOT NULL, source_table text NOT NULL,
    lo bigint NOT NULL, hi bigint NOT NULL, backend int NOT NULL DEFAULT pg_backend_pid());
  CREATE FUNCTION chaos_audit.record() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF NEW.next_key IS DISTINCT FROM OLD.next_key THEN
      INSERT INTO chaos_audit.applied (partition_id, phase, source_table, lo, hi)
      VALUES (NEW.id, NEW.phase, NEW.source_table, OLD.next_key, NEW.next_key - 1);
    END IF;
    RETURN NULL;
  END $$;
  CREATE TRIGGER chaos_audit AFTER UPDATE ON pipeline.partitions FOR EACH ROW EXECUTE FUNCTION chaos_audit.record();`;

export const AUDIT_DEFECTS = `
  WITH ordered AS (
    SELECT a.*, max(hi) OVER (PARTITION BY phase, source_table ORDER BY lo, id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS reach
      FROM chaos_audit.applied a)
  SELECT (SELECT count(*) FROM chaos_audit.applied)::int AS batches,
         (SELECT count(*) FROM ordered WHERE lo <= reach)::int AS overlaps,
         (SELECT count(*) FROM pipeline.partitions p
           WHERE p.hi - p.lo + 1 <> coalesce((SELECT sum(a.hi - a.lo + 1) FROM chaos_audit.applied a WHERE a.partition_id = p.id), 0))::int AS uncovered`;

export interface AuditDefects {
  /** Committed batches recorded. */
  readonly batches: number;
  /** Recorded ranges that share a key with an earlier one of the same source and phase. */
  readonly overlaps: number;
  /** Partitions whose committed batches do not cover exactly their key range. */
  readonly uncovered: number;
}
