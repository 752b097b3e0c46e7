/**
 * CSV records as they stand in the file (RFC 4180: fields in double quotes may hold commas,
 * newlines and doubled quotes), read as a stream: each record's raw text, without its line end,
 * and the line it starts on, so that COPY gets the text unchanged and a bad record is reported by
 * its line. Only record boundaries are found here; PostgreSQL's CSV parser reads the fields.
 */
import { createReadStream } from 'node:fs';

export interface CsvRecord {
  /** 1-based line of the file the record starts on. */
  readonly line: number;
  readonly text: string;
}

/** Splits text into records; returns them and the unfinished tail (a record still open). */
function split(buffer: string, state: { inQuotes: boolean; line: number; start: number }): { records: CsvRecord[]; rest: string } {
  const records: CsvRecord[] = [];
  let from = 0;
  let line = state.start;
  let current = state.line;
  for (let i = 0; i < buffer.length; i++) {
    const c = buffer[i];
    if (c === '"') state.inQuotes = !state.inQuotes;
    else if (c === '\n') {
      current++;
      if (!state.inQuotes) {
        const end = i > from && buffer[i - 1] === '\r' ? i - 1 : i;
        records.push({ line, text: buffer.slice(from, end) });
        from = i + 1;
        line = current;
      }
    }
  }
  state.line = current;
  state.start = line;
  return { records, rest: buffer.slice(from) };
}

/** The records of a CSV file, blank lines skipped. Throws on an unterminated quoted field at the end. */
export async function* csvRecords(path: string): AsyncGenerator<CsvRecord> {
  const state = { inQuotes: false, line: 1, start: 1 };
  let rest = '';
  for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
    // Quote state is recomputed over the carried tail, so reset it to where the tail began.
    state.inQuotes = false;
    state.line = state.start;
    const { records, rest: tail } = split(rest + (chunk as string), state);
    rest = tail;
    for (const r of records) if (r.text !== '') yield r;
  }
  state.inQuotes = false;
  state.line = state.start;
  const { records, rest: tail } = split(`${rest}\n`, state);
  for (const r of records) if (r.text !== '') yield r;
  if (tail !== '' || state.inQuotes) throw new Error(`line ${state.start}: a quoted field is never closed`);
}

/** The fields of one record (for the header): quotes removed, doubled quotes undone. */
export function csvFields(text: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      fields.push(field);
      field = '';
    } else field += c;
  }
  fields.push(field);
  return fields;
}
