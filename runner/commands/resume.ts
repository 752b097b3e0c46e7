/** `pgphase resume [RUN]`: lifts a pause; the runner processes go on within one health interval. */
import { z } from 'zod';
import { EXIT } from '../errors.js';
import { setPause } from '../ledger/control.js';
import { onRun, operator, RUN_ARG } from './runControl.js';
import { defineCommand } from './spec.js';

export const resumeCommand = defineCommand({
  name: 'resume',
  description: 'resume a paused run: its runner processes go on with their next batch',
  args: [RUN_ARG],
  input: z.object({ run: z.string().optional() }),
  run: (session, input) => onRun(session, input.run, 'pgphase resume', (c, r) => setPause(c, r.id, { paused: false, by: operator() })),
  render: (run) => ({
    stdout: `run ${run.id} resumed${run.live ? '' : `; no runner process is working on it: start one with \`pgphase run ${run.phases.join(' ')}\``}`,
    exitCode: EXIT.ok,
  }),
});
