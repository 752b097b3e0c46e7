/** `pgphase pause [RUN]`: every runner process of the run holds before its next batch. */
import { z } from 'zod';
import { EXIT } from '../errors.js';
import { setPause } from '../ledger/control.js';
import { defineCommand } from './spec.js';
import { onRun, operator, RUN_ARG } from './runControl.js';

export const pauseCommand = defineCommand({
  name: 'pause',
  description: 'pause a run from any host: every runner process holds before its next batch (pgphase resume continues it)',
  args: [RUN_ARG],
  options: [{ flags: '--reason <text>', description: "why, shown by status and in the runners' logs" }],
  input: z.object({ run: z.string().optional(), reason: z.string().optional() }),
  run: (session, input) =>
    onRun(session, input.run, 'pgphase pause', (c, r) => {
      const reason = `paused by ${operator()}${input.reason ? `: ${input.reason.slice(0, 200)}` : ''} (pgphase resume ${r.id} to continue)`;
      return setPause(c, r.id, { paused: true, reason, by: operator() });
    }),
  render: (run) => ({
    stdout: `run ${run.id} paused; its runner processes hold before their next batch${run.live ? '' : ' (no runner process is working on it now)'}`,
    exitCode: EXIT.ok,
  }),
});
