/**
 * A real headless Chromium for the report tests: Debian's chromium-headless-shell (or chromium),
 * driven by playwright-core. `.ci/run` installs it when it is missing and apt is usable; where
 * it is absent the browser test is skipped and says why.
 */
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/** PGPHASE_CHROMIUM, when set, is the only candidate (a path to another build, or to nothing to test the skip). */
export const CHROMIUM_CANDIDATES = process.env.PGPHASE_CHROMIUM ? [process.env.PGPHASE_CHROMIUM] : ['/usr/bin/chromium-headless-shell', '/usr/bin/chromium'];

/** Flags for a browser that must not reach the network or need a display. */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function findChromium(): { path: string } | { reason: string } {
  const path = CHROMIUM_CANDIDATES.find((p) => existsSync(p));
  if (path) return { path };
  return { reason: `no Chromium at ${CHROMIUM_CANDIDATES.join(' or ')} (install Debian's chromium-headless-shell, as .ci/run does, or set PGPHASE_CHROMIUM)` };
}

export function launchChromium(path: string): Promise<Browser> {
  return chromium.launch({ executablePath: path, headless: true, args: CHROMIUM_FLAGS, timeout: 60_000 });
}
