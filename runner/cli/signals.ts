/**
 * Ctrl-C and TERM for the CLI. A command that can stop gracefully (`run`) registers a handler:
 * the first signal calls it (in-flight batches commit, the run stays resumable) and starts a
 * bounded wait; a second signal, or the end of the wait, stops at once. Without a handler the
 * first signal stops at once. Stopping at once stops the embedded server we started, then exits
 * 130 (SIGINT) or 143 (SIGTERM). The embedded server runs in its own process group, so the
 * terminal's Ctrl-C reaches only us (runner/db/embedded.ts).
 * A second signal within ECHO_MS of the first is taken as the same keypress relayed by a parent
 * (`npm run` and tsx forward the signal that the terminal also sent to us).
 */
export const EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;
export type StopSignal = keyof typeof EXIT_CODES;

const ECHO_MS = 1_000;
let graceful: ((signal: StopSignal) => void) | null = null;

/** Registers the running command's graceful stop; returns a function that unregisters it. */
export function onGracefulStop(handler: (signal: StopSignal) => void): () => void {
  graceful = handler;
  return () => {
    if (graceful === handler) graceful = null;
  };
}

export function installSignalHandlers(stopNow: (code: number) => void, graceMs = 60_000): void {
  let first: number | null = null;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      const now = Date.now();
      if (first !== null && now - first < ECHO_MS) return;
      if (first === null && graceful) {
        first = now;
        process.stderr.write(`pgphase: ${signal}: letting the batches in flight commit (at most ${graceMs / 1000} s); press Ctrl-C again to stop at once\n`);
        graceful(signal);
        setTimeout(() => {
          process.stderr.write('pgphase: the batches in flight did not commit in time; stopping now (they roll back, nothing is lost)\n');
          stopNow(EXIT_CODES[signal]);
        }, graceMs).unref();
        return;
      }
      process.stderr.write(`pgphase: ${signal}, stopping now\n`);
      stopNow(EXIT_CODES[signal]);
    });
  }
}
