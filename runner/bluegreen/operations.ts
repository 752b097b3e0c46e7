/**
 * The programmatic API of blue-green phases: promote, rollback, prune and their status. Each
 * opens one connection; promote, rollback and prune run on the swap's lock ladder.
 */
import type pg from 'pg';
import { type Config, lockLadder } from '../config.js';
import type { LockAttempt } from '../db/lockRetry.js';
import { withClient } from '../db/database.js';
import type { Log } from '../log.js';
import type { Phase } from '../phases.js';
import { blueGreenPhase, targetOf } from './names.js';
import { prune, type PruneResult } from './prune.js';
import { swap, type SwapOptions, type SwapResult } from './swap.js';
import { phaseVersions, type PhaseVersions } from './versions.js';

export interface BlueGreenOptions {
  readonly url: string;
  readonly config: Config;
  readonly phase: string;
  readonly log?: Log;
  /** The project's phases, as for runPipeline. */
  readonly phaseList: readonly Phase[];
  /** For tests: the ladder's sleep. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** For tests and the bench: each attempt of the lock ladder. */
  readonly onAttempt?: (attempt: LockAttempt) => void;
}

export function swapOptions(config: Config, options: Pick<BlueGreenOptions, 'log' | 'sleep' | 'onAttempt'> = {}): SwapOptions {
  return {
    ladder: lockLadder(config, config.swapLockTimeoutMs),
    ...(options.log ? { log: options.log } : {}),
    ...(options.sleep ? { sleep: options.sleep } : {}),
    ...(options.onAttempt ? { onAttempt: options.onAttempt } : {}),
  };
}

function open<T>(options: BlueGreenOptions, what: string, fn: (c: pg.Client, phase: Phase) => Promise<T>): Promise<T> {
  const phase = blueGreenPhase(options.phaseList, options.phase);
  return withClient(options.url, `pgphase ${what}`, (c) => fn(c, phase));
}

/** Exposes the phase's verified build: its tables become the live ones, the live ones the previous version. */
export function promote(options: BlueGreenOptions): Promise<SwapResult> {
  return open(options, 'promote', (c, phase) => swap(c, targetOf(phase), 'promote', swapOptions(options.config, options)));
}

/** Brings the previous version back live; the version rolled back from is kept parked until prune. */
export function rollback(options: BlueGreenOptions): Promise<SwapResult> {
  return open(options, 'rollback', (c, phase) => swap(c, targetOf(phase), 'rollback', swapOptions(options.config, options)));
}

/** Drops the previous and older parked versions of the phase. */
export function pruneVersions(options: BlueGreenOptions): Promise<PruneResult> {
  return open(options, 'prune', (c, phase) => prune(c, targetOf(phase), swapOptions(options.config, options)));
}

export interface BlueGreenStatus extends PhaseVersions {
  readonly phase: string;
  readonly schema: string;
}

/** Versions of every blue-green phase (empty when pgphase's blue-green table is not installed). */
export async function blueGreenStatus(client: pg.ClientBase, phases: readonly Phase[]): Promise<BlueGreenStatus[]> {
  const { rows } = await client.query<{ ok: boolean }>(`SELECT to_regclass('pgphase.bluegreen_versions') IS NOT NULL AS ok`);
  if (!rows[0]?.ok) return [];
  const out: BlueGreenStatus[] = [];
  for (const phase of phases.filter((p) => p.blueGreen))
    out.push({ phase: phase.name, schema: targetOf(phase).schema, ...(await phaseVersions(client, phase.name)) });
  return out;
}
