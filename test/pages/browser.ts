import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** Debian's chromium; `.ci/run` installs it with apt-get. Never a downloaded build. */
export const CHROMIUM = process.env.QUIZFORGE_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Browser tests run wherever Chromium is installed, and always in CI (where a missing browser is a
 * failure, not a skip). On a newcomer's machine without it they are skipped with a notice.
 */
export const BROWSER_TESTS = existsSync(CHROMIUM) || Boolean(process.env.CI);
if (!BROWSER_TESTS) {
  console.warn(`browser tests skipped: no Chromium at ${CHROMIUM} (apt-get install chromium); in CI they always run.`);
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      // Without these Chromium phones home, and this closed network refuses it.
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** What a page did that a test wants to know about: CSP violations, script errors, console errors. */
export interface PageWatch {
  page: Page;
  context: BrowserContext;
  cspViolations(): Promise<string[]>;
  errors: string[];
  close(): Promise<void>;
}

/**
 * A fresh context and page that records every Content-Security-Policy violation (through an init
 * script, which the CSP does not govern) and every uncaught error or console error.
 */
export async function watchedPage(browser: Browser, baseURL: string): Promise<PageWatch> {
  const context = await browser.newContext({ baseURL });
  await context.addInitScript(() => {
    const w = window as unknown as { __csp: string[] };
    w.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      w.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sample}`);
    });
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
  });
  return {
    page,
    context,
    errors,
    cspViolations: () => page.evaluate(() => (window as unknown as { __csp?: string[] }).__csp ?? []),
    close: () => context.close(),
  };
}
