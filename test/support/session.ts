/** One plain connection for `fn`, closed after: a session of its own, outside any pool or pgphase code. */
import pg from 'pg';

export async function withSession<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
