/**
 * `pgphase load TABLE FILE.csv`: a CSV file (header line first) into a table by client-side COPY
 * (runner/load/load.ts), with progress on stderr; bad lines are reported by line and left out.
 * Exit 0 when every line loaded, 1 when some were left out.
 */
import { relative } from 'node:path';
import { z } from 'zod';
import { withClient } from '../db/database.js';
import { EXIT } from '../errors.js';
import { type LoadResult, loadCsv } from '../load/load.js';
import { QUALIFIED } from '../scaffold/templates.js';
import { withDatabase } from '../session.js';
import { flag, matching, text, whole } from './flags.js';
import { defineCommand } from './spec.js';

export const loadCommand = defineCommand({
  name: 'load',
  description: 'load a CSV file (a header line naming the columns) into a table with COPY FROM STDIN; bad lines are reported and left out',
  args: [
    { name: '<table>', description: 'schema.table to load into' },
    { name: '<file>', description: 'the CSV file' },
  ],
  options: [
    { flags: '--max-bad <n>', description: 'bad lines tolerated before the load stops', default: '100' },
    { flags: '--chunk <n>', description: 'rows per COPY (each chunk commits on its own)', default: '5000' },
    { flags: '--json', description: 'print the result as JSON on stdout' },
  ],
  input: z.object({
    table: matching(QUALIFIED, 'a schema-qualified table name in lower case', 'For example: pgphase load raw.orders orders.csv'),
    file: text(),
    maxBad: whole(0, 1_000_000),
    chunk: whole(1, 1_000_000),
    json: flag(),
  }),
  run: (session, o, signal) =>
    withDatabase(session, (db) =>
      withClient(db.url, 'pgphase load', (c) =>
        loadCsv(c, {
          table: o.table,
          file: o.file,
          maxBad: o.maxBad,
          chunk: o.chunk,
          signal,
          onProgress: (loaded, bad) => session.log.info(`loaded ${loaded} rows${bad ? `, ${bad} bad line(s) left out` : ''}`),
        }),
      ),
    ),
  render: (r: LoadResult, o) => ({
    stdout: o.json
      ? JSON.stringify(r)
      : `loaded ${r.loaded} row(s) into ${r.table} from ${relative(process.cwd(), r.file)}${r.bad.length ? `; ${r.bad.length} bad line(s) left out` : ''}`,
    stderr: r.bad.map((b) => `${relative(process.cwd(), r.file)}:${b.line}: ${b.error}`).join('\n') || undefined,
    exitCode: r.bad.length ? EXIT.failed : EXIT.ok,
  }),
});
