/**
 * node-pg-migrate loader for pgphase's `.sql` migrations. node-pg-migrate's own SQL loader
 * cannot run a file outside a transaction; this one honours a first-line `-- no-transaction`
 * header, gives such a file its own statement timeout (none by default: an index build on a big
 * table legitimately runs long) and the lock ladder's cap as its lock_timeout rather than the
 * pass's small budget (its lock, SHARE UPDATE EXCLUSIVE for an index build, queues no reader or
 * writer behind it, and a build that times out waiting for old transactions at its end is lost
 * work), and records the file's checksum in the same transaction as the
 * migration itself (for no-transaction files, right after its single statement).
 */
import type { MigrationBuilder } from 'node-pg-migrate';
import { escapeValue } from 'node-pg-migrate';
import type { MigrationFile } from './migrationFile.js';

export interface LoaderTimeouts {
  readonly statementTimeoutMs: number;
  readonly concurrentStatementTimeoutMs: number;
  /** The lock ladder's cap (PGPHASE_LOCK_TIMEOUT). */
  readonly lockTimeoutMs: number;
}

function setStatementTimeout(pgm: MigrationBuilder, ms: number): void {
  pgm.sql(`SELECT set_config('statement_timeout', ${escapeValue(`${ms}ms`)}, false)`);
}

/** Keeps the pass's lock_timeout aside and waits up to `ms` instead; `restoreLockTimeout` puts it back. */
function setLockTimeout(pgm: MigrationBuilder, ms: number): void {
  pgm.sql(
    `SELECT set_config('pgphase.pass_lock_timeout', current_setting('lock_timeout'), false), set_config('lock_timeout', ${escapeValue(`${ms}ms`)}, false)`,
  );
}

function restoreLockTimeout(pgm: MigrationBuilder): void {
  pgm.sql(`SELECT set_config('lock_timeout', current_setting('pgphase.pass_lock_timeout'), false)`);
}

/** Builds the node-pg-migrate loader strategy over already-parsed migration files. */
export function sqlLoaderStrategy(files: readonly MigrationFile[], timeouts: LoaderTimeouts) {
  const byPath = new Map(files.map((f) => [f.path, f]));
  const loader = async (filePaths: string[]) =>
    filePaths.map((path) => {
      const file = byPath.get(path);
      if (!file) throw new Error(`migration ${path} appeared while pgphase was running; run the command again`);
      const wrap = (sql: string, record: string) => (pgm: MigrationBuilder) => {
        if (file.noTransaction) {
          pgm.noTransaction();
          setStatementTimeout(pgm, timeouts.concurrentStatementTimeoutMs);
          setLockTimeout(pgm, timeouts.lockTimeoutMs);
        }
        pgm.sql(sql);
        if (file.noTransaction) {
          setStatementTimeout(pgm, timeouts.statementTimeoutMs);
          restoreLockTimeout(pgm);
        }
        pgm.sql(record);
      };
      const name = escapeValue(file.name);
      return {
        id: path,
        filePaths: [path],
        actions: {
          up: wrap(
            file.up.sql,
            `INSERT INTO pgphase.migration_checksums (name, checksum) VALUES (${name}, ${escapeValue(file.checksum)})
             ON CONFLICT (name) DO UPDATE SET checksum = EXCLUDED.checksum, applied_at = now()`,
          ),
          down: file.down ? wrap(file.down.sql, `DELETE FROM pgphase.migration_checksums WHERE name = ${name}`) : (false as const),
        },
      };
    });
  return { extensions: ['.sql'], loader };
}
