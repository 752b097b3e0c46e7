/**
 * The runner's side of a blue-green phase: before a run, refuse what a swap would break and what
 * the role may not do; at the start of a run, find or create the run's shadow build (replacing an
 * older unpromoted one); after it, verify the build (verify.ts) and record the outcome.
 */
import type pg from 'pg';
import { transaction } from '../db/transaction.js';
import { PgphaseError } from '../errors.js';
import { silentLog, type Log } from '../log.js';
import type { Phase } from '../phases.js';
import { refuseDependents, refuseWithoutPrivileges } from './dependents.js';
import { parkedSchema, targetOf } from './names.js';
import { createShadow, dropParked } from './shadow.js';
import type { BuildReport } from '../run/report.js';
import { describeFailures, verifyBuild } from './verify.js';
import { type CheckOutcome, phaseVersions, setState, versionOfRun } from './versions.js';

/** Checks made before a run is created: nothing is written. */
export async function preflight(client: pg.ClientBase, phases: readonly Phase[]): Promise<void> {
  for (const phase of phases) {
    const target = targetOf(phase);
    // Reading each output first turns a missing table or schema, or no access at all, into the
    // error any run would give (42P01: migrate first; 42501: the role it needs).
    for (const table of target.tables) await client.query(`SELECT FROM ${client.escapeIdentifier(target.schema)}.${client.escapeIdentifier(table)} LIMIT 0`);
    await refuseWithoutPrivileges(client, target);
    await refuseDependents(client, target);
  }
}

/**
 * The schema each blue-green phase of the run writes into: its existing shadow when the run is
 * resumed, otherwise a new one (an older pending build of the phase is dropped first).
 */
export async function prepareShadows(
  client: pg.ClientBase,
  phases: readonly Phase[],
  runId: string,
  lockTimeoutMs: number,
  log: Log = silentLog,
): Promise<Map<string, string>> {
  const targets = new Map<string, string>();
  for (const phase of phases) {
    const target = targetOf(phase);
    const schema = await transaction(client, async () => {
      await client.query(`SELECT set_config('lock_timeout', $1, true)`, [`${lockTimeoutMs}ms`]);
      // Runner processes sharing the run: the first creates the shadow, the others wait and find it.
      await client.query(`SELECT pg_advisory_xact_lock(hashtext('pgphase.bluegreen'), hashtext($1))`, [phase.name]);
      const mine = await versionOfRun(client, phase.name, runId);
      if (mine?.state === 'dropped') {
        throw new PgphaseError(
          `the shadow build of ${phase.name} by run ${runId} was dropped (a newer build or prune replaced it): this run cannot be resumed`,
          { hint: `Start a new build with \`pgphase run --new\`.` },
        );
      }
      if (mine) return mine.parkedSchema;
      const { pending } = await phaseVersions(client, phase.name, true);
      if (pending) {
        log.warn(`dropping the unpromoted ${pending.state} build of ${phase.name} by run ${pending.runId} (${pending.parkedSchema}): run ${runId} replaces it`);
        await dropParked(client, pending.parkedSchema, pending.tables);
        await setState(client, pending.id, 'dropped');
      }
      const shadow = parkedSchema(target.schema, runId);
      await createShadow(client, target, shadow);
      await client.query(
        `INSERT INTO pgphase.bluegreen_versions (phase, run_id, state, output_schema, parked_schema, tables) VALUES ($1, $2, 'building', $3, $4, $5)`,
        [phase.name, runId, target.schema, shadow, target.tables],
      );
      log.info(`building ${phase.name} blue-green into ${shadow}; readers keep reading ${target.schema}`);
      return shadow;
    });
    targets.set(phase.name, schema);
  }
  return targets;
}

/**
 * Verifies each blue-green phase's build of a settled run and records the outcome (verified or
 * failed) on the version, once: when several runner processes share the run, the first records
 * it and the others read it (a build that was promoted meanwhile is not touched).
 */
export async function verifyBuilds(client: pg.ClientBase, phases: readonly Phase[], runId: string, log: Log = silentLog): Promise<BuildReport[]> {
  const out: BuildReport[] = [];
  for (const phase of phases) {
    const version = await versionOfRun(client, phase.name, runId);
    if (!version) throw new PgphaseError(`run ${runId} has no shadow build of ${phase.name}`);
    let checks: readonly CheckOutcome[] = version.checks ?? [];
    let state: string = version.state;
    if (version.state === 'building') {
      checks = await verifyBuild(client, phase, runId, version.parkedSchema);
      state = checks.every((k) => k.passed) ? 'verified' : 'failed';
      const { rowCount } = await client.query(
        `UPDATE pgphase.bluegreen_versions SET state = $2, checks = $3, verified_at = now() WHERE id = $1 AND state = 'building'`,
        [version.id, state, JSON.stringify(checks)],
      );
      if (rowCount === 1) {
        if (state === 'verified')
          log.info(
            `${phase.name}: build of run ${runId} in ${version.parkedSchema} passed ${checks.length} checks; promote it with \`pgphase promote ${phase.name}\``,
          );
        for (const line of describeFailures(checks)) log.error(`${phase.name}: ${line}; the live version stays`);
      } else {
        const again = await versionOfRun(client, phase.name, runId);
        checks = again?.checks ?? checks;
        state = again?.state ?? state;
      }
    }
    out.push({ phase: phase.name, schema: version.parkedSchema, state, checks });
  }
  return out;
}
