/**
 * The run ledger. Every statement on its tables lives in this folder: schema pgphase's runs,
 * run_steps, partitions (runner/framework/schema/0002_ledger.sql, leases 0070_leases.sql),
 * run_control, run_runners, run_throttle (0020_run_control.sql), batch_samples and throttle_events
 * (0030_batch_samples.sql), run_events and health_samples (0090_run_events.sql). Each statement is a small named function taking a client and typed
 * parameters; the rest of the runner calls these and writes no ledger SQL itself. A function never
 * opens a transaction its caller expects to own: the caller decides what commits together.
 * One module per job:
 * - types.ts        rows and typed status values, `qualified`;
 * - runState.ts     runs and steps: create or resume, the statements of advancing a run, finish,
 *                   the run row's later writes (failed build, report, abandonment, quarantine replay);
 * - planning.ts     planning's claim on a step, its row estimate and the partitions it inserts;
 * - claim.ts        claiming, leases, retries and the end of a partition;
 * - cursor.ts       the batch's cursor guard and the commit of its cursor and counts;
 * - split.ts        splitting a running partition (work stealing);
 * - control.ts      run_control (pause, tuning, abandonment, the control row) with its run_events, run_runners
 *                   (registration, heartbeat, end, working time), run_throttle;
 * - batchSamples.ts batch_samples and throttle_events inserts, and whether the role may write them;
 * - healthSamples.ts health_samples inserts (the gate's last signals, with each heartbeat);
 * - runLife.ts      unfinished runs and whether a runner process is alive on them;
 * - runStatus.ts    the latest runs with their stored reports (`pgphase status`);
 * - runReads.ts     reads for judging and reporting a run as it ends (error budget, report, spans);
 * - reportReads.ts  reads of the visual report and of stored reports (`pgphase report`);
 * - verifyReads.ts  the ledger's checks of a blue-green build.
 * This index keeps one import path.
 */
export * from './batchSamples.js';
export * from './claim.js';
export * from './control.js';
export * from './cursor.js';
export * from './healthSamples.js';
export * from './planning.js';
export * from './reportReads.js';
export * from './runLife.js';
export * from './runReads.js';
export * from './runState.js';
export * from './runStatus.js';
export * from './split.js';
export * from './types.js';
export * from './verifyReads.js';
