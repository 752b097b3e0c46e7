import { describe, expect, it } from 'vitest';
import { urlProblem } from '../../runner/db/urlProblem.js';
import { parseMigration } from '../../runner/migrate/migrationFile.js';
import { classifyText, computedColumns, scaffoldTarget, sourceKeyMigrations, sourceKeyOf, stepText } from '../../runner/scaffold/phaseTemplates.js';
import { tablesFromMigrations } from '../../runner/scaffold/tablesFromMigrations.js';

const spec = { name: 'clean_customers', source: 'app.customers', target: 'app.clean_customers', key: 'id' };
const migration = parseMigration(
  '0001_customers.sql',
  `-- Up Migration
CREATE TABLE app.customers (id bigint PRIMARY KEY, name text, email varchar(200), score int);
CREATE TABLE app.clean_customers (id bigserial PRIMARY KEY, source_raw_id bigint NOT NULL UNIQUE, email text NOT NULL,
  score bigint, created_at timestamptz NOT NULL DEFAULT now(), run_id bigint);
-- Down Migration
DROP SCHEMA app CASCADE;
`,
);

describe('new phase scaffold', () => {
  it('reads the source and target columns from the migrations with the PostgreSQL parser', async () => {
    const tables = await tablesFromMigrations([migration]);
    expect(tables.get('app.customers')!.columns.map((c) => `${c.name} ${c.type}`)).toEqual(['id bigint', 'name text', 'email varchar(200)', 'score integer']);
    expect(tables.get('app.clean_customers')!.columns.find((c) => c.name === 'id')).toMatchObject({ type: 'bigint', generated: true });
  });

  it('computes the target columns from same-named source columns, cast where the types differ, leaving bookkeeping and defaults out', async () => {
    const tables = await tablesFromMigrations([migration]);
    const cols = computedColumns(tables.get('app.customers'), tables.get('app.clean_customers'));
    expect(cols.map((c) => [c.column.name, c.from])).toEqual([
      ['email', 's.email::text'],
      ['score', 's.score::bigint'],
    ]);
    const text = classifyText(spec, cols);
    expect(text).toMatch(
      /CREATE OR REPLACE FUNCTION app\.classify_clean_customers \(p_lo bigint, p_hi bigint\) RETURNS TABLE \(\n {2}source_raw_id bigint,\n {2}email text,\n {2}score bigint,\n {2}reason_code text,/,
    );
    expect(text).toMatch(/WHERE s\.id BETWEEN p_lo AND p_hi/);
  });

  it('a target no migration creates gets the source columns; an unknown source, the row as jsonb', () => {
    expect(scaffoldTarget(spec, undefined).columns.map((c) => c.name)).toEqual(['id', 'source_raw_id', 'data', 'run_id']);
    expect(computedColumns(undefined, scaffoldTarget(spec, undefined))).toEqual([{ column: expect.objectContaining({ name: 'data' }), from: 'to_jsonb(s)' }]);
  });

  it("keys the source on the target's source_raw_id, else its unique column named like the source key, else a source_raw_id it adds", async () => {
    const tables = await tablesFromMigrations([
      migration,
      parseMigration(
        '0002_targets.sql',
        `-- Up Migration
CREATE TABLE app.keyed (id bigint, email text, PRIMARY KEY (id));
CREATE TABLE app.always (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text);
CREATE TABLE app.plain (id bigint, email text);
`,
      ),
    ]);
    const key = (target: string) => sourceKeyOf({ ...spec, target }, tables.get(target));
    expect(key('app.clean_customers')).toMatchObject({ column: 'source_raw_id', add: false });
    expect(sourceKeyOf(spec, undefined)).toMatchObject({ column: 'source_raw_id', add: false });
    expect(key('app.keyed')).toMatchObject({ column: 'id', add: false });
    expect(key('app.always')).toMatchObject({ column: 'source_raw_id', add: true }); // an INSERT cannot set it
    expect(key('app.plain')).toMatchObject({ column: 'source_raw_id', add: true }); // not unique: ON CONFLICT cannot name it
    const keyed = { ...spec, target: 'app.keyed' };
    const cols = computedColumns(tables.get('app.customers'), tables.get('app.keyed'), 'id');
    expect(cols.map((c) => c.column.name)).toEqual(['email']);
    expect(classifyText(keyed, cols, 'id')).toMatch(/RETURNS TABLE \(\n {2}id bigint,\n {2}email text,[\s\S]*SELECT s\.id AS id,/);
    expect(stepText(keyed, 'id')).toContain('"target":"app.keyed","source_column":"id"}');
    expect(sourceKeyMigrations({ ...spec, target: 'app.plain' }).index).toMatch(
      /^-- no-transaction\n[\s\S]*CREATE UNIQUE INDEX CONCURRENTLY plain_source_raw_id_key ON app\.plain \(source_raw_id\);/,
    );
  });

  it('the step calls the generic isolation driver with the declared step', () => {
    expect(stepText(spec)).toContain(
      `CALL pgphase.isolate('{"source":"app.customers","key":"id","classify":"app.classify_clean_customers","target":"app.clean_customers"}', p_run_id, p_lo, p_hi, rows_in, written, rejected, extras);`,
    );
  });
});

describe('DATABASE_URL problems', () => {
  it('tells a port out of range from a character that needs percent-encoding, never echoing the URL', () => {
    expect(urlProblem('postgres://u:secret@h:99999/d')).toMatchObject({
      message: expect.stringMatching(/port 99999 is out of range/),
      hint: expect.stringMatching(/1 to 65535/),
    });
    expect(urlProblem('postgres://u:se#cret@h:5432/d')!.hint).toMatch(/Percent-encode/);
    expect(JSON.stringify(urlProblem('postgres://u:secret@h:99999/d'))).not.toContain('secret');
    expect(urlProblem('postgres://u:secret@h:5432/d')).toBeUndefined();
  });
});
