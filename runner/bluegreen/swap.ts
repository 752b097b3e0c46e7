/**
 * Promote and rollback: one short transaction that moves a phase's output tables between the
 * output schema and the parked schemas (ALTER TABLE ... SET SCHEMA: catalog updates only, no data
 * is read or written) and records the new states. Its locks (ACCESS EXCLUSIVE on the tables
 * swapped) are requested on the lock ladder (runner/db/lockRetry.ts): each attempt waits a small
 * `lock_timeout`, so a long reader costs the readers queued behind the swap at most that much per
 * attempt; after the ladder's attempts the swap fails with both versions intact, naming the
 * blocking sessions.
 */
import type pg from 'pg';
import { budgetsText, type LockAttempt, LockLadderExhausted, lockTransaction, withLockRetries } from '../db/lockRetry.js';
import { LockTimeoutError, PgphaseError } from '../errors.js';
import type { Log } from '../log.js';
import type { LockLadder } from '../plan/lockLadder.js';
import { refuseDependents } from './dependents.js';
import { type BlueGreenTarget, parkedSchema } from './names.js';
import { phaseVersions, setState, type Version } from './versions.js';

export interface SwapOptions {
  /** The lock ladder: each attempt's lock wait, the attempts, the pauses, the deadline. */
  readonly ladder: LockLadder;
  readonly log?: Log;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Called after each attempt (tests, the bench). */
  readonly onAttempt?: (attempt: LockAttempt) => void;
}

export interface SwapResult {
  readonly phase: string;
  readonly live: { readonly runId: string | null; readonly promotedAt: Date };
  readonly previous: { readonly runId: string | null; readonly schema: string } | null;
  readonly attempts: number;
  readonly ms: number;
}

const q = (c: pg.ClientBase, ...p: string[]) => p.map((x) => c.escapeIdentifier(x)).join('.');
const label = (v: Version | undefined) => (v ? (v.runId === null ? 'the initial tables' : `run ${v.runId}`) : 'none');

/** Moves `tables` from schema `from` to schema `to` (created when missing). */
async function move(c: pg.ClientBase, tables: readonly string[], from: string, to: string): Promise<void> {
  for (const t of tables) await c.query(`ALTER TABLE ${q(c, from, t)} SET SCHEMA ${c.escapeIdentifier(to)}`);
}

/** Parks the live tables in `parked` and brings `incoming`'s tables (parked in `incoming.parkedSchema`) live. */
async function exchange(c: pg.ClientBase, target: BlueGreenTarget, parked: string, incoming: Version): Promise<void> {
  const out = target.schema;
  const src = incoming.parkedSchema;
  const all = [...target.tables.map((t) => q(c, out, t)), ...target.tables.map((t) => q(c, src, t))];
  await c.query(`LOCK TABLE ${all.join(', ')} IN ACCESS EXCLUSIVE MODE`);
  await c.query(`CREATE SCHEMA ${c.escapeIdentifier(parked)}`);
  const { rows } = await c.query<{ sql: string }>(
    `SELECT format('ALTER SCHEMA %I OWNER TO %I', $2::text, pg_get_userbyid(nspowner)) AS sql FROM pg_namespace WHERE nspname = $1
     UNION ALL
     SELECT format('GRANT USAGE ON SCHEMA %I TO %s', $2::text, CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END)
       FROM pg_namespace n CROSS JOIN LATERAL aclexplode(n.nspacl) a WHERE n.nspname = $1 AND a.privilege_type = 'USAGE' AND a.grantee <> n.nspowner`,
    [out, parked],
  );
  for (const { sql } of rows) await c.query(sql);
  await move(c, target.tables, out, parked);
  await move(c, target.tables, src, out);
  await c.query(`DROP SCHEMA ${c.escapeIdentifier(src)}`);
}

async function attempt(client: pg.ClientBase, target: BlueGreenTarget, kind: 'promote' | 'rollback', lockTimeoutMs: number): Promise<SwapResult> {
  const statementTimeoutMs = Math.max(30_000, lockTimeoutMs * 4);
  return lockTransaction(
    client,
    lockTimeoutMs,
    async () => {
      const v = await phaseVersions(client, target.phase, true);
      // A view or foreign key created since the build started would be left on the old version.
      await refuseDependents(client, target);
      if (kind === 'promote') {
        const pending = v.pending;
        if (!pending)
          throw new PgphaseError(`phase ${target.phase} has no build to promote (live: ${label(v.live)})`, {
            hint: `Build one with \`pgphase run ${target.phase}\`.`,
          });
        if (pending.state === 'building')
          throw new PgphaseError(`the build of phase ${target.phase} by run ${pending.runId} is not finished`, {
            hint: `Resume it with \`pgphase run ${target.phase}\`, then promote.`,
          });
        if (pending.state === 'failed') {
          const failed = (pending.checks ?? []).filter((k) => !k.passed).map((k) => k.name);
          throw new PgphaseError(
            `the build of phase ${target.phase} by run ${pending.runId} failed its check${failed.length > 1 ? 's' : ''} ${failed.map((n) => JSON.stringify(n)).join(', ')}: it cannot be promoted`,
            { hint: `See \`pgphase status\`; fix the cause and build again with \`pgphase run --new ${target.phase}\`.` },
          );
        }
        if (pending.outputSchema !== target.schema || pending.tables.join() !== target.tables.join()) {
          throw new PgphaseError(
            `the build of phase ${target.phase} by run ${pending.runId} has tables ${pending.outputSchema}.{${pending.tables.join(',')}}, but the phase now declares ${target.schema}.{${target.tables.join(',')}}`,
            { hint: `Build again with \`pgphase run --new ${target.phase}\`.` },
          );
        }
        const parked = v.live ? v.live.parkedSchema : parkedSchema(target.schema, null);
        if (!v.live) {
          await client.query(
            `INSERT INTO pgphase.bluegreen_versions (phase, run_id, state, output_schema, parked_schema, tables, promoted_at) VALUES ($1, NULL, 'live', $2, $3, $4, NULL)`,
            [target.phase, target.schema, parked, target.tables],
          );
        }
        await exchange(client, target, parked, pending);
        if (v.previous) await setState(client, v.previous.id, 'retired');
        await client.query(`UPDATE pgphase.bluegreen_versions SET state = 'previous' WHERE phase = $1 AND state = 'live'`, [target.phase]);
        await setState(client, pending.id, 'live');
        return result(client, target.phase, v.live ? { runId: v.live.runId, schema: parked } : { runId: null, schema: parked });
      }
      if (!v.live)
        throw new PgphaseError(`phase ${target.phase} has never been promoted: there is nothing to roll back`, {
          hint: `Promote a build with \`pgphase promote ${target.phase}\` first.`,
        });
      if (!v.previous) {
        throw new PgphaseError(`phase ${target.phase} has no previous version to roll back to (live: ${label(v.live)})`, {
          hint: v.retired.length
            ? `Versions rolled back from or retired are kept until \`pgphase prune\`: ${v.retired.map((r) => `${label(r)} in ${r.parkedSchema}`).join(', ')}.`
            : 'Rollback goes back one promote; the previous version was rolled back to or pruned already.',
        });
      }
      await exchange(client, target, v.live.parkedSchema, v.previous);
      await setState(client, v.live.id, 'retired');
      await setState(client, v.previous.id, 'live');
      return result(client, target.phase, null);
    },
    { statementTimeoutMs },
  );
}

async function result(c: pg.ClientBase, phase: string, previous: SwapResult['previous']): Promise<SwapResult> {
  const { rows } = await c.query<{ runId: string | null; promotedAt: Date }>(
    `SELECT run_id::text AS "runId", promoted_at AS "promotedAt" FROM pgphase.bluegreen_versions WHERE phase = $1 AND state = 'live'`,
    [phase],
  );
  return { phase, live: rows[0]!, previous, attempts: 0, ms: 0 };
}

/** Sessions holding locks on the output tables (named in the error after the last attempt). */
async function blockers(c: pg.ClientBase, target: BlueGreenTarget): Promise<string> {
  const { rows } = await c.query<{ who: string }>(
    `SELECT DISTINCT format('pid %s (%s, %s, transaction open %s s)', a.pid, coalesce(nullif(a.application_name, ''), a.usename), a.state,
                            round(extract(epoch FROM now() - a.xact_start))) AS who
       FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.granted AND l.pid <> pg_backend_pid() AND l.relation IN (SELECT c.oid FROM pg_class c WHERE c.relnamespace = $1::regnamespace AND c.relname = ANY ($2::text[]))`,
    [c.escapeIdentifier(target.schema), target.tables],
  );
  return rows.map((r) => r.who).join('; ') || 'none now';
}

/** Runs a promote or rollback on the lock ladder. */
export async function swap(client: pg.ClientBase, target: BlueGreenTarget, kind: 'promote' | 'rollback', options: SwapOptions): Promise<SwapResult> {
  const started = performance.now();
  try {
    const { value, attempts } = await withLockRetries((lockTimeoutMs) => attempt(client, target, kind, lockTimeoutMs), {
      ...options,
      what: `${kind} of ${target.phase}`,
    });
    return { ...value, attempts: attempts.length, ms: Math.round(performance.now() - started) };
  } catch (error) {
    if (!(error instanceof LockLadderExhausted)) throw error;
    throw new LockTimeoutError(
      `${kind} of phase ${target.phase} could not lock its tables in ${error.attempts.length} attempts (waiting ${budgetsText(error.attempts)} each); nothing was changed. Holding locks: ${await blockers(client, target)}`,
      {
        cause: error.lastError,
        hint: 'Wait for those sessions to finish (or end them) and run it again; PGPHASE_SWAP_LOCK_TIMEOUT, PGPHASE_LOCK_RETRIES and PGPHASE_LOCK_DEADLINE set the ladder.',
      },
    );
  }
}
