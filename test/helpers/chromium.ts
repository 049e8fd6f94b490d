import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium (never a downloaded browser): .ci/run installs it. */
const CHROMIUM = '/usr/bin/chromium';

/** A browser test runs where Chromium is, and must run in CI; a developer machine without it skips with a note. */
export const skipBrowserTests = !existsSync(CHROMIUM) && process.env.CI !== 'true';

/** Headless Chromium with nothing of its own on the network (no updates, sync or QUIC), on loopback only. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
