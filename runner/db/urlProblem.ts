/**
 * What is wrong with a DATABASE_URL that Node cannot parse, said so a DBA can fix it: a port out
 * of range is not a percent-encoding problem. Pure; never echoes the URL (it may hold a password).
 */
export interface UrlProblem {
  readonly message: string;
  readonly hint: string;
}

const AUTHORITY = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?(\[[^\]]*\]|[^:/?#]*)(?::([^/?#]*))?/i;

export function urlProblem(url: string): UrlProblem | undefined {
  try {
    new URL(url);
    return undefined;
  } catch {
    /* below */
  }
  const bad = 'DATABASE_URL is not a valid connection URL (postgres://user:password@host:port/database)';
  const authority = AUTHORITY.exec(
    url.replace(/^(postgres(?:ql)?:\/\/)([^@]*@)/i, (_, scheme: string, userinfo: string) => scheme + userinfo.replace(/[/?#]/g, '_')),
  );
  if (!authority) return { message: bad, hint: 'It must start with postgres:// (or postgresql://).' };
  const port = authority[2];
  if (port !== undefined && port !== '') {
    if (!/^[0-9]+$/.test(port)) return { message: `${bad}: the port is not a number`, hint: 'Write the port as digits after the host, e.g. host:5432.' };
    if (Number(port) < 1 || Number(port) > 65535) {
      return {
        message: `${bad}: port ${port} is out of range`,
        hint: 'A TCP port is 1 to 65535 (PostgreSQL listens on 5432 by default): fix the port in DATABASE_URL.',
      };
    }
  }
  return { message: bad, hint: 'Percent-encode special characters in the user and password (encodeURIComponent), e.g. # as %23, @ as %40, / as %2F.' };
}
