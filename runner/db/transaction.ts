import type pg from 'pg';

/** Runs `fn` in a transaction on `client`: COMMIT when it resolves, ROLLBACK when it throws. */
export async function transaction<T>(client: pg.ClientBase, fn: () => Promise<T>): Promise<T> {
  await client.query('BEGIN');
  try {
    const result = await fn();
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}
