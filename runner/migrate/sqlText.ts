/**
 * Just enough of a SQL lexer to split a file into statements and to point at a place in it:
 * it knows `--` and nested `/* *\/` comments, '...' and E'...' strings, "identifiers" and
 * $tag$ dollar quotes, so a `;` inside a PL/pgSQL body does not end a statement.
 */

export interface Statement {
  /** The statement's text, without the terminating `;`, trimmed of comments around it. */
  readonly text: string;
  /** Offset of the statement's first character in the source. */
  readonly start: number;
}

/** Splits SQL text into its statements (comments-only pieces are dropped). */
export function splitStatements(sql: string): Statement[] {
  const statements: Statement[] = [];
  let hasCode = false;
  let codeStart = -1;
  const push = (end: number) => {
    if (hasCode) statements.push({ text: sql.slice(codeStart, end).trim(), start: codeStart });
    hasCode = false;
    codeStart = -1;
  };
  const mark = (i: number) => {
    if (!hasCode) {
      hasCode = true;
      codeStart = i;
    }
  };
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (c === '-' && next === '-') {
      const eol = sql.indexOf('\n', i);
      i = eol < 0 ? sql.length : eol + 1;
    } else if (c === '/' && next === '*') {
      let depth = 1;
      i += 2;
      while (i < sql.length && depth > 0) {
        if (sql[i] === '/' && sql[i + 1] === '*') {
          depth++;
          i += 2;
        } else if (sql[i] === '*' && sql[i + 1] === '/') {
          depth--;
          i += 2;
        } else i++;
      }
    } else if (c === "'" || c === '"') {
      mark(i);
      const escapes = c === "'" && i > 0 && /[eE]/.test(sql[i - 1]!);
      i++;
      while (i < sql.length) {
        if (escapes && sql[i] === '\\') i += 2;
        else if (sql[i] === c && sql[i + 1] === c) i += 2;
        else if (sql[i] === c) break;
        else i++;
      }
      i++;
    } else if (c === '$') {
      const tag = /^\$([A-Za-z_][A-Za-z_0-9]*)?\$/.exec(sql.slice(i));
      const prevIsWord = i > 0 && /[A-Za-z_0-9]/.test(sql[i - 1]!);
      if (tag && !prevIsWord) {
        mark(i);
        const close = sql.indexOf(tag[0], i + tag[0].length);
        i = close < 0 ? sql.length : close + tag[0].length;
      } else {
        mark(i);
        i++;
      }
    } else if (c === ';') {
      push(i);
      i++;
    } else {
      if (!/\s/.test(c)) mark(i);
      i++;
    }
  }
  push(sql.length);
  return statements;
}

/** 1-based line and column of a 0-based character offset. */
export function lineCol(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, offset));
  const line = before.split('\n').length;
  const column = offset - (before.lastIndexOf('\n') + 1) + 1;
  return { line, column };
}

/** The line at a 1-based line number, for showing where an error is. */
export function lineAt(text: string, line: number): string {
  return text.split('\n')[line - 1] ?? '';
}

/** Normalises line endings, so that a checkout with CRLF has the same checksum. */
export function normaliseLineEndings(text: string): string {
  return text.replace(/\r\n?/g, '\n');
}
