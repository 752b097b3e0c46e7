/**
 * Peak resident set size of this process while the timed modes run (sampled every 50 ms and at
 * each mode's end), as distinct from the whole process's lifetime peak (getrusage maxrss), which
 * also counts start-up compilation and data generation.
 */
export class RssSampler {
  private peak = 0;
  private window = 0;
  private timer: NodeJS.Timeout | undefined;

  start(): void {
    this.sample();
    this.timer ??= setInterval(() => this.sample(), 50);
    this.timer.unref();
  }

  stop(): void {
    this.sample();
    clearInterval(this.timer);
    this.timer = undefined;
  }

  sample(): void {
    const rss = process.memoryUsage.rss();
    this.peak = Math.max(this.peak, rss);
    this.window = Math.max(this.window, rss);
  }

  /** Starts a new window (one mode) and returns the peak of the one that ends, in MB. */
  nextWindow(): number {
    this.sample();
    const mb = toMb(this.window);
    this.window = 0;
    return mb;
  }

  get peakMb(): number {
    return toMb(this.peak);
  }
}

const toMb = (bytes: number) => Math.round((bytes / 1048576) * 10) / 10;

/** getrusage's maxrss (kB on Linux) in MB. */
export function lifetimePeakRssMb(): number {
  return Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10;
}
