/** The one sleep: resolves after `ms` milliseconds (a real timer). */
export const sleep = (ms: number): Promise<void> => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * `promise`, or a rejection once `ms` have passed without it settling: for a wait that a silent
 * network peer could make endless (a query's answer that never comes). The promise itself goes
 * on; the caller drops whatever it was waiting on.
 */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
