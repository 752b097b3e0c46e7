/** The runner tests' fixture phase (test/fixtures/runner): a source table and a copy procedure. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadPhases } from '../../runner/phases.js';
import type { TestDatabase } from './db.js';

export const FIXTURE_PHASES_FILE = join(process.cwd(), 'test', 'fixtures', 'runner', 'phases.json');
export const fixturePhases = () => loadPhases(FIXTURE_PHASES_FILE);

/** Creates the fixture and fills fixture.src with `rows` skewed ids (dense runs and big gaps). */
export async function setUpFixture(db: TestDatabase, rows: number): Promise<void> {
  await db.query(await readFile(join(process.cwd(), 'test', 'fixtures', 'runner', 'setup.sql'), 'utf8'));
  await db.query(
    `INSERT INTO fixture.src (id, v)
     SELECT CASE WHEN i <= $1 * 0.7 THEN i ELSE 1000000 + i * 97 END, 'v' || i FROM generate_series(1, $1::int) i`,
    [rows],
  );
}

/** Rows of dst that are missing or present more than once. */
export async function copyDefects(db: TestDatabase): Promise<{ missing: number; duplicated: number; copied: number }> {
  const [r] = await db.query<{ missing: number; duplicated: number; copied: number }>(
    `SELECT (SELECT count(*) FROM fixture.src s WHERE NOT EXISTS (SELECT 1 FROM fixture.dst d WHERE d.src_id = s.id))::int AS missing,
            (SELECT count(*) FROM (SELECT src_id FROM fixture.dst GROUP BY src_id HAVING count(*) > 1) x)::int AS duplicated,
            (SELECT count(*) FROM fixture.dst)::int AS copied`,
  );
  return r!;
}
