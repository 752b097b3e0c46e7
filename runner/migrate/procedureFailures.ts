/**
 * Why procedure files failed, root cause first (pure: no database). A file that fails because an
 * object it uses does not exist, while another failing file would create that object, is a
 * dependant: it is reported as a chain ("a.sql needs staging.f, which failed: <b.sql's error>").
 * Every other failing file is a root cause: its own statement fails for a reason no other pending
 * file will fix, and its error is the one shown first.
 */

export interface FailedFile {
  /** The file's name, e.g. `staging_classify_games.sql`. */
  readonly file: string;
  /** The file's text (its one CREATE OR REPLACE statement). */
  readonly text: string;
  /** The server's error message. */
  readonly message: string;
  /** The error shown as file:line:column with the offending line. */
  readonly described: string;
}

export interface FailureReport {
  /** Files whose own statement fails, in file order. */
  readonly roots: FailedFile[];
  /** One line per dependant: `x.sql needs y, which failed: <root's first line>`. */
  readonly chains: string[];
}

const MISSING_OBJECT = [/^(?:function|procedure) ([^(]+)\(.*\) does not exist/, /^(?:relation|type|schema) "([^"]+)" does not exist/];

const normalise = (name: string) => name.replace(/"/g, '').replace(/\s+/g, '').toLowerCase();

/** The object a failure says is missing, e.g. `staging.parse_timestamp`, or undefined. */
export function missingObject(message: string): string | undefined {
  for (const re of MISSING_OBJECT) {
    const m = re.exec(message);
    if (m) return normalise(m[1]!);
  }
  return undefined;
}

/** The object a procedure file creates: the name after CREATE OR REPLACE <kind>. */
export function createdObject(text: string): string | undefined {
  const m =
    /CREATE\s+OR\s+REPLACE\s+(?:TRUSTED\s+|RECURSIVE\s+|TEMP(?:ORARY)?\s+)*(?:FUNCTION|PROCEDURE|VIEW|AGGREGATE|TRIGGER|RULE)\s+((?:"[^"]+"|[\w$]+)(?:\s*\.\s*(?:"[^"]+"|[\w$]+))?)/i.exec(
      text,
    );
  return m ? normalise(m[1]!) : undefined;
}

function sameObject(needed: string, created: string): boolean {
  return needed === created || (!needed.includes('.') && created.endsWith(`.${needed}`));
}

export function explainFailures(failed: readonly FailedFile[]): FailureReport {
  const creator = (f: FailedFile): FailedFile | undefined => {
    const needed = missingObject(f.message);
    if (needed === undefined) return undefined;
    return failed.find((g) => g !== f && createdObject(g.text) !== undefined && sameObject(needed, createdObject(g.text)!));
  };
  const rootOf = (f: FailedFile): FailedFile => {
    const seen = new Set<FailedFile>([f]);
    let at = f;
    for (let next = creator(at); next && !seen.has(next); next = creator(at)) {
      seen.add(next);
      at = next;
    }
    return at;
  };
  const found = failed.filter((f) => creator(f) === undefined || rootOf(f) === f);
  // Files that only need each other (a cycle) have no root among them: report them all.
  const roots = found.length > 0 ? found : [...failed];
  const chains = failed
    .filter((f) => !roots.includes(f))
    .map((f) => {
      const via = creator(f)!;
      const root = rootOf(f);
      const through = via === root ? '' : ` (through ${via.file})`;
      return `${f.file} needs ${missingObject(f.message)}, which failed${through}: ${root.described.split('\n')[0]}`;
    });
  return { roots, chains };
}
