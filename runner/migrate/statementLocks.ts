/**
 * What lock each statement of a migration takes, from PostgreSQL's own parser (libpg-query, the
 * server's parser compiled to WebAssembly: offline, exact statement boundaries and kinds). Used
 * by `migrate --dry-run`. The lock named is the strongest one the statement takes on an existing
 * table; `none` means catalog-only (a new object, a function, a comment on a new object...).
 */
import { loadModule, parseSync } from 'libpg-query';
import { lineCol } from './sqlText.js';

export interface StatementLock {
  /** Parser node, e.g. IndexStmt, AlterTableStmt. */
  readonly kind: string;
  /** The lock mode taken on `target` (PostgreSQL's names), or `none`. */
  readonly lock: string;
  /** The relation locked, when there is one. */
  readonly target: string | undefined;
  /** 1-based line of the statement in the file. */
  readonly line: number;
  /** The statement, whitespace collapsed, cut to 160 characters. */
  readonly sql: string;
}

type Node = Record<string, unknown>;
const ACCESS_EXCLUSIVE = 'ACCESS EXCLUSIVE';
const SHARE_UPDATE_EXCLUSIVE = 'SHARE UPDATE EXCLUSIVE';
const SHARE_ROW_EXCLUSIVE = 'SHARE ROW EXCLUSIVE';
const ORDER = ['none', 'ACCESS SHARE', 'ROW SHARE', 'ROW EXCLUSIVE', SHARE_UPDATE_EXCLUSIVE, 'SHARE', SHARE_ROW_EXCLUSIVE, 'EXCLUSIVE', ACCESS_EXCLUSIVE];
const strongest = (locks: string[]) => locks.reduce((a, b) => (ORDER.indexOf(b) > ORDER.indexOf(a) ? b : a), 'none');

/** ALTER TABLE subcommands that take less than ACCESS EXCLUSIVE (PostgreSQL's AlterTableGetLockLevel). */
const ALTER_LOCKS: Record<string, string> = {
  AT_ValidateConstraint: SHARE_UPDATE_EXCLUSIVE,
  AT_SetStatistics: SHARE_UPDATE_EXCLUSIVE,
  AT_ClusterOn: SHARE_UPDATE_EXCLUSIVE,
  AT_DropCluster: SHARE_UPDATE_EXCLUSIVE,
  AT_SetRelOptions: SHARE_UPDATE_EXCLUSIVE,
  AT_ResetRelOptions: SHARE_UPDATE_EXCLUSIVE,
  AT_DetachPartitionFinalize: SHARE_UPDATE_EXCLUSIVE,
  AT_AttachPartition: SHARE_UPDATE_EXCLUSIVE,
  AT_EnableTrig: SHARE_ROW_EXCLUSIVE,
  AT_DisableTrig: SHARE_ROW_EXCLUSIVE,
  AT_EnableTrigAll: SHARE_ROW_EXCLUSIVE,
  AT_DisableTrigAll: SHARE_ROW_EXCLUSIVE,
  AT_EnableTrigUser: SHARE_ROW_EXCLUSIVE,
  AT_DisableTrigUser: SHARE_ROW_EXCLUSIVE,
};

function relName(rel: unknown): string | undefined {
  const r = rel as { schemaname?: string; relname?: string } | undefined;
  return r?.relname ? (r.schemaname ? `${r.schemaname}.${r.relname}` : r.relname) : undefined;
}

function alterLock(cmd: Node): string {
  const c = (cmd.AlterTableCmd ?? {}) as { subtype?: string; def?: Node };
  if (c.subtype === 'AT_AddConstraint') {
    const con = (c.def?.Constraint ?? {}) as { contype?: string };
    return con.contype === 'CONSTR_FOREIGN' ? SHARE_ROW_EXCLUSIVE : ACCESS_EXCLUSIVE;
  }
  return ALTER_LOCKS[c.subtype ?? ''] ?? ACCESS_EXCLUSIVE;
}

/** The lock and target of one parsed statement. Pure. */
export function lockOf(kind: string, node: Node): { lock: string; target: string | undefined } {
  switch (kind) {
    case 'IndexStmt':
      return { lock: node.concurrent ? SHARE_UPDATE_EXCLUSIVE : 'SHARE', target: relName(node.relation) };
    case 'AlterTableStmt':
      return { lock: strongest(((node.cmds as Node[]) ?? []).map(alterLock)), target: relName(node.relation) };
    case 'DropStmt':
      return {
        lock: node.concurrent ? SHARE_UPDATE_EXCLUSIVE : ACCESS_EXCLUSIVE,
        target:
          String(node.removeType ?? '')
            .replace('OBJECT_', '')
            .toLowerCase() || undefined,
      };
    case 'RenameStmt':
    case 'TruncateStmt':
    case 'ClusterStmt':
      return { lock: ACCESS_EXCLUSIVE, target: relName(node.relation) };
    case 'RefreshMatViewStmt':
      return { lock: node.concurrent ? 'EXCLUSIVE' : ACCESS_EXCLUSIVE, target: relName(node.relation) };
    case 'CreateTrigStmt':
    case 'CreatePolicyStmt':
      return { lock: SHARE_ROW_EXCLUSIVE, target: relName(node.relation ?? node.table) };
    case 'VacuumStmt':
      return { lock: SHARE_UPDATE_EXCLUSIVE, target: undefined };
    case 'CommentStmt':
      return ['OBJECT_TABLE', 'OBJECT_COLUMN', 'OBJECT_INDEX', 'OBJECT_VIEW'].includes(String(node.objtype))
        ? { lock: SHARE_UPDATE_EXCLUSIVE, target: undefined }
        : { lock: 'none', target: undefined };
    case 'InsertStmt':
    case 'UpdateStmt':
    case 'DeleteStmt':
    case 'MergeStmt':
      return { lock: 'ROW EXCLUSIVE', target: relName(node.relation) };
    case 'CopyStmt':
      // COPY FROM writes rows (ROW EXCLUSIVE, as INSERT); COPY TO reads them.
      return { lock: node.is_from ? 'ROW EXCLUSIVE' : 'ACCESS SHARE', target: relName(node.relation) };
    case 'SelectStmt':
    case 'CreateTableAsStmt':
    case 'ViewStmt':
      return { lock: 'ACCESS SHARE', target: undefined };
    case 'LockStmt':
      return { lock: 'as written', target: undefined };
    case 'CallStmt':
    case 'DoStmt':
      return { lock: 'whatever the code takes', target: undefined };
    case 'CreateStmt': {
      const refs = JSON.stringify(node).includes('"CONSTR_FOREIGN"');
      return { lock: refs ? SHARE_ROW_EXCLUSIVE : 'none', target: refs ? 'referenced table(s)' : undefined };
    }
    default:
      return { lock: 'none', target: undefined };
  }
}

let loaded: Promise<void> | undefined;

/** Index of the first character after leading whitespace and comments. */
function codeStart(text: string): number {
  let i = 0;
  for (;;) {
    while (i < text.length && /\s/.test(text[i]!)) i++;
    if (text.startsWith('--', i)) i = text.includes('\n', i) ? text.indexOf('\n', i) + 1 : text.length;
    else if (text.startsWith('/*', i)) i = text.includes('*/', i) ? text.indexOf('*/', i) + 2 : text.length;
    else return i;
  }
}

/** Parses `sql` (a section starting at `offset` in `fileText`) and returns each statement's lock. */
export async function statementLocks(sql: string, fileText = sql, offset = 0): Promise<StatementLock[]> {
  loaded ??= loadModule();
  await loaded;
  const bytes = Buffer.from(sql, 'utf8');
  const result = parseSync(sql) as { stmts?: { stmt: Node; stmt_location?: number; stmt_len?: number }[] };
  return (result.stmts ?? []).map((s) => {
    const kind = Object.keys(s.stmt)[0]!;
    const from = s.stmt_location ?? 0;
    const raw = bytes.subarray(from, s.stmt_len ? from + s.stmt_len : bytes.length).toString('utf8');
    const code = codeStart(raw);
    const charStart = bytes.subarray(0, from).toString('utf8').length + code;
    const { lock, target } = lockOf(kind, s.stmt[kind] as Node);
    return { kind, lock, target, line: lineCol(fileText, offset + charStart).line, sql: raw.slice(code).trim().replace(/\s+/g, ' ').slice(0, 160) };
  });
}
