/**
 * `pgphase load TABLE FILE.csv`: a CSV file into a table with client-side COPY FROM STDIN (no
 * superuser, no file on the server, works through a pooler), in chunks of records that commit on
 * their own. The first record is the header: it names the table's columns to fill. A record
 * PostgreSQL refuses (a bad number, a missing field) is reported by its line and left out; the
 * chunk is copied again without it, so one bad line costs one retry of its chunk, never the load.
 * More bad lines than `maxBad` stop the load (a file in the wrong format would otherwise be
 * retried line by line). An interrupted load keeps the chunks that committed.
 */
import { basename } from 'node:path';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { PgphaseError, UsageError } from '../errors.js';
import { qualified } from '../ledger/types.js';
import { type CsvRecord, csvFields, csvRecords } from './csvRecords.js';

export interface LoadOptions {
  readonly table: string;
  readonly file: string;
  /** Records per COPY. Default 5000. */
  readonly chunk?: number;
  /** Bad lines tolerated before the load stops. Default 100. */
  readonly maxBad?: number;
  readonly onProgress?: (loaded: number, bad: number) => void;
  readonly signal?: AbortSignal;
}

export interface BadLine {
  readonly line: number;
  readonly error: string;
}

export interface LoadResult {
  readonly table: string;
  readonly file: string;
  readonly columns: string[];
  readonly loaded: number;
  readonly bad: BadLine[];
  readonly chunks: number;
}

/** The line of a COPY error within the data sent (1-based), from its CONTEXT ("COPY t, line 3, column x: …"). */
export function copyErrorLine(error: unknown): number | null {
  const where = (error as { where?: string }).where ?? '';
  const m = /COPY [^,]+, line (\d+)/.exec(where);
  return m ? Number(m[1]) : null;
}

async function copyChunk(client: pg.ClientBase, statement: string, records: readonly CsvRecord[]): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const stream = client.query(copyFrom(statement));
    stream.on('error', reject);
    stream.on('finish', () => resolve());
    stream.end(`${records.map((r) => r.text).join('\n')}\n`);
  });
}

export async function loadCsv(client: pg.ClientBase, options: LoadOptions): Promise<LoadResult> {
  const chunkSize = options.chunk ?? 5_000;
  const maxBad = options.maxBad ?? 100;
  const table = qualified(client, options.table);
  const records = csvRecords(options.file);
  const header = await records.next().catch((error: Error) => {
    throw new UsageError(`cannot read ${options.file}: ${error.message}`);
  });
  if (header.done)
    throw new UsageError(`${options.file} is empty: its first line names the columns`, 'Write a header line: the column names, comma-separated.');
  const columns = csvFields(header.value.text).map((c) => c.trim());
  try {
    await client.query(`SELECT ${columns.map((c) => client.escapeIdentifier(c)).join(', ')} FROM ${table} LIMIT 0`);
  } catch (error) {
    throw new UsageError(
      `cannot load ${basename(options.file)} into ${options.table}: ${(error as Error).message}`,
      `The header line names columns of ${options.table}.`,
    );
  }
  const statement = `COPY ${table} (${columns.map((c) => client.escapeIdentifier(c)).join(', ')}) FROM STDIN WITH (FORMAT csv)`;
  const bad: BadLine[] = [];
  let loaded = 0;
  let chunks = 0;
  const flush = async (chunk: CsvRecord[]) => {
    while (chunk.length > 0) {
      try {
        await copyChunk(client, statement, chunk);
        loaded += chunk.length;
        chunks++;
        options.onProgress?.(loaded, bad.length);
        return;
      } catch (error) {
        const at = copyErrorLine(error);
        if (at === null || at < 1 || at > chunk.length) {
          throw new PgphaseError(`loading ${options.file} into ${options.table} failed after ${loaded} rows: ${(error as Error).message}`, {
            cause: error,
            hint: 'The rows before it are loaded (each chunk commits on its own).',
          });
        }
        const [record] = chunk.splice(at - 1, 1);
        bad.push({
          line: record!.line,
          error: `${(error as Error).message}${(error as { where?: string }).where ? ` (${(error as { where?: string }).where})` : ''}`,
        });
        if (bad.length > maxBad) {
          throw new PgphaseError(
            `loading ${options.file} stopped: more than ${maxBad} bad lines (${loaded} rows loaded); the first at line ${bad[0]!.line}: ${bad[0]!.error}`,
            {
              hint: 'Check the file is CSV with a header naming the columns; raise --max-bad to go on past bad lines.',
            },
          );
        }
      }
    }
  };
  let chunk: CsvRecord[] = [];
  try {
    for await (const record of records) {
      if (options.signal?.aborted) break;
      chunk.push(record);
      if (chunk.length >= chunkSize) {
        await flush(chunk);
        chunk = [];
      }
    }
  } catch (error) {
    if (error instanceof PgphaseError) throw error;
    throw new UsageError(`cannot read ${options.file}: ${(error as Error).message}`, `${loaded} rows were loaded before it.`);
  }
  if (!options.signal?.aborted) await flush(chunk);
  return { table: options.table, file: options.file, columns, loaded, bad, chunks };
}
