/**
 * The ledger's rows and status values (schema pgphase: runs, run_steps, partitions), and the
 * one way the ledger quotes a table name. Shared by the ledger's modules (run and step state in
 * runState.ts, planning.ts, claim.ts, cursor.ts, split.ts) and the runner code that calls them
 * (runner/run/planStep.ts, batch.ts, worker.ts).
 */
import type pg from 'pg';

export type RunStatus = 'running' | 'done' | 'failed';
export type StepStatus = 'waiting' | 'planned' | 'done' | 'failed' | 'blocked';
export type PartitionStatus = 'pending' | 'running' | 'done' | 'failed';

export interface StepRow {
  readonly id: string;
  readonly ordinal: number;
  readonly phase: string;
  readonly source_table: string;
  readonly procedure: string;
  readonly key_column: string;
  readonly status: StepStatus;
  /** Incremental: the step covers keys above this (null: the whole source). */
  readonly from_key: string | null;
}

export interface PartitionRow {
  readonly id: string;
  readonly step_id: string;
  readonly phase: string;
  readonly source_table: string;
  readonly procedure: string;
  readonly key_column: string;
  readonly lo: string;
  readonly hi: string;
  readonly next_key: string;
  readonly attempts: number;
  readonly reclaimed: boolean;
  /** The worker that claimed it, and its lease (claim.ts): the runner process and how long a lease lasts. */
  readonly claimed_by: string;
  readonly lease_owner: string;
  readonly lease_ms: number;
}

/** Quotes `schema.table` as two identifiers. */
export function qualified(client: pg.ClientBase, name: string): string {
  return name
    .split('.')
    .map((part) => client.escapeIdentifier(part))
    .join('.');
}
