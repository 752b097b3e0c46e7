/** The one sleep: resolves after `ms` milliseconds (a real timer). */
export const sleep = (ms: number): Promise<void> => new Promise<void>((resolve) => setTimeout(resolve, ms));
