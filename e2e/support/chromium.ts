import { type Browser, chromium } from 'playwright-core';

/**
 * Debian's chromium (installed by .ci/run), headless. Without the background-networking flags it stalls on a
 * closed network; never a browser download of playwright's own.
 */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
}
