import { chromium, type Browser, type Page } from 'playwright-core';

/**
 * Debian's Chromium, driven by playwright-core: never a downloaded browser. No sandbox (CI runs as root),
 * no GPU, no background networking (a test asserts that the console talks to no other host).
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env['SMARTCOVER_CHROMIUM'] ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage'],
  });
}

/** Everything a page did wrong: script errors, console errors, and requests to any host but `host`. */
export function watchPage(page: Page, host: string): { errors: string[]; foreign: string[] } {
  const errors: string[] = [];
  const foreign: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    // The browser's own line for a request refused on purpose (the wrong secret, another account's video)
    // is not a page error; the tests check those answers themselves.
    if (m.type() === 'error' && !/status of 40[0134]/.test(m.text())) errors.push(`console: ${m.text()}`);
  });
  page.on('request', (r) => {
    const url = new URL(r.url());
    if (!['data:', 'blob:'].includes(url.protocol) && url.host !== host) foreign.push(r.url());
  });
  return { errors, foreign };
}
