/** The modes by name. */
import type { ModeName } from '../options.js';
import { clientLoopMode } from './clientLoop.js';
import { curatedMode } from './curated.js';
import { limit, limitBatched, limitN } from './limit.js';
import { pgphaseMode } from './pgphase.js';
import { pgphaseSharedMode } from './pgphaseShared.js';
import { recordMode } from './record.js';
import type { Mode } from './types.js';

const MODES: Record<ModeName, Mode> = {
  limit,
  limit_n: limitN,
  limit_batched: limitBatched,
  record: recordMode,
  pgphase_1: pgphaseMode('pgphase_1'),
  pgphase_n: pgphaseMode('pgphase_n'),
  pgphase_1_nogate: pgphaseMode('pgphase_1_nogate'),
  pgphase_n_nogate: pgphaseMode('pgphase_n_nogate'),
  pgphase_n_shared: pgphaseSharedMode,
  client_loop: clientLoopMode,
  curated: curatedMode,
};

export function modeByName(name: ModeName): Mode {
  return MODES[name];
}
