/**
 * Debian's chromium driven by playwright-core (no browser download): one browser per test file, so every
 * file starts from a fresh profile, and one context per signed-in person, so their cookies never mix.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Browser, BrowserContext, chromium, Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

const INSTALL = 'sudo apt-get install -y chromium fonts-noto-cjk (scripts/test.sh does this as root)';

/** Fails (never skips) when Debian's chromium is not installed. */
export function requireChromium(): void {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`The browser tests need ${CHROMIUM}, from the Debian packages "chromium" and "fonts-noto-cjk". Install them with: ${INSTALL}.`);
  }
}

/** Fails when no CJK font is installed: the Chinese pages would render as boxes in the screenshots. */
export function requireCjkFonts(): void {
  let fonts = '';
  try {
    fonts = execFileSync('fc-list', [], { encoding: 'utf8' });
  } catch {
    // no fontconfig: no fonts either
  }
  if (!/Noto Sans CJK/i.test(fonts)) {
    throw new Error(`The Chinese pages need a CJK font: the Debian package "fonts-noto-cjk" (with "chromium"). Install them with: ${INSTALL}.`);
  }
}

export async function launchBrowser(): Promise<Browser> {
  requireChromium();
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // playwright-core adds --headless and --no-sandbox itself; they are repeated so the command line says what runs.
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    timeout: 30_000,
  });
}

export interface Visitor {
  context: BrowserContext;
  page: Page;
  /** Uncaught exceptions in the page so far (each one is a bug in the console). */
  errors: string[];
}

/** A new person at the console: own cookies and storage, a desktop window, English unless told otherwise. */
export async function newVisitor(browser: Browser, baseURL: string, options: { locale?: string; width?: number; height?: number; bypassCSP?: boolean } = {}): Promise<Visitor> {
  const context = await browser.newContext({
    baseURL,
    // Only for tests whose tools inject script (axe-core, timing probes), which the console's CSP rightly
    // refuses; the CSP itself is proven in security-headers.test.ts, under which every other test runs.
    bypassCSP: options.bypassCSP ?? false,
    locale: options.locale ?? 'en-US',
    viewport: { width: options.width ?? 1280, height: options.height ?? 800 },
    // Element Plus animates dialogs and dropdowns: give them time on a slow machine.
  });
  context.setDefaultTimeout(15_000);
  context.setDefaultNavigationTimeout(30_000);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(`${page.url()}: ${err.stack ?? err.message}`));
  return { context, page, errors };
}
