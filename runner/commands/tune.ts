/** `pgphase tune [RUN] --workers N --batch-max N --target-ms N --max-lag MS`, from any host. */
import { z } from 'zod';
import { EXIT } from '../errors.js';
import { setTuning, type Tuning } from '../ledger/control.js';
import { conflict, whole } from './flags.js';
import { defineCommand } from './spec.js';
import { onRun, operator, RUN_ARG } from './runControl.js';

const input = z
  .object({
    run: z.string().optional(),
    workers: whole(1, 1_024).optional(),
    batchMax: whole(1, 2_147_483_647).optional(),
    targetMs: whole(1, 3_600_000).optional(),
    maxLag: whole(0, 604_800_000).optional(),
  })
  .superRefine((o, ctx) =>
    [o.workers, o.batchMax, o.targetMs, o.maxLag].every((v) => v === undefined)
      ? conflict(ctx, 'tune needs at least one of --workers, --batch-max, --target-ms, --max-lag')
      : undefined,
  );

const tuningOf = (o: z.output<typeof input>): Tuning => ({
  ...(o.workers !== undefined ? { workers: o.workers } : {}),
  ...(o.batchMax !== undefined ? { batchMax: o.batchMax } : {}),
  ...(o.targetMs !== undefined ? { targetMs: o.targetMs } : {}),
  ...(o.maxLag !== undefined ? { maxLagMs: o.maxLag } : {}),
});

export const tuneCommand = defineCommand({
  name: 'tune',
  description: "change a running run's limits from any host; every runner process applies them before its next batch",
  args: [RUN_ARG],
  options: [
    {
      flags: '--workers <n>',
      description: 'workers per runner process (beyond it, workers finish their batch and leave; a process grows up to its --max-workers)',
    },
    { flags: '--batch-max <n>', description: 'largest batch, in rows' },
    { flags: '--target-ms <n>', description: 'target duration of one batch' },
    { flags: '--max-lag <ms>', description: 'replica lag above which the run throttles' },
  ],
  input,
  run: (session, o) => onRun(session, o.run, 'pgphase tune', (c, r) => setTuning(c, r.id, tuningOf(o), operator())),
  render: (run, o) => ({
    stdout: `run ${run.id} tuned: ${Object.entries(tuningOf(o))
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
    exitCode: EXIT.ok,
  }),
});
