/**
 * The run ledger and work queue, in schema pgphase (runner/framework/schema/0002_ledger.sql):
 * runs, their steps (one per source table of each phase) and the steps' partitions (key ranges).
 * One module per job; this index keeps the one import path:
 * - ledgerTypes.ts  rows and typed status values, `qualified`;
 * - runState.ts     runs and steps: create or resume, advance, finish;
 * - planStep.ts     planning reads and the partitions they produce;
 * - claim.ts        claiming, leases, retries and the end of a partition;
 * - batch.ts        the batch call, committed with the partition's cursor and counts.
 */
export * from './batch.js';
export * from './claim.js';
export * from './ledgerTypes.js';
export * from './runState.js';
export { planStep } from './planStep.js';
