import { sleep } from '../../runner/sleep.js';

/** Waits until `probe` returns a truthy value (polling every 50 ms), or fails after `timeoutMs`. */
export async function until<T>(probe: () => Promise<T>, what: string, timeoutMs = 20_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}
