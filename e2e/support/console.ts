/**
 * Steps at the web console as a person takes them: through the pages' `data-test` hooks, waiting for
 * what the page shows rather than for fixed times.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { Locator, Page } from 'playwright-core';

export type Locale = 'en' | 'zh-CN';

export const SCREENSHOTS = path.resolve(__dirname, '../screenshots');

/** The element with `data-test="<name>"` (first or all of them, as the caller narrows). */
export function byTest(page: Page | Locator, name: string): Locator {
  return page.locator(`[data-test="${name}"]`);
}

/**
 * The text field named `name`: Element Plus passes a component's attributes to its <input>/<textarea>,
 * but a wrapper may carry them instead, so both are accepted.
 */
export function field(page: Page | Locator, name: string): Locator {
  const t = `[data-test="${name}"]`;
  return page.locator(`input${t}, textarea${t}, ${t} input, ${t} textarea`).first();
}

/** Signs in through the login page and waits for the header to show the account. */
export async function signIn(page: Page, username: string, password: string): Promise<void> {
  await page.goto('/login');
  await field(page, 'login-username').fill(username);
  await field(page, 'login-password').fill(password);
  await byTest(page, 'login-submit').click();
  await byTest(page, 'nav-account').waitFor();
  await page.waitForURL((url) => url.pathname !== '/login');
}

export async function signOut(page: Page): Promise<void> {
  await byTest(page, 'sign-out').click();
  await byTest(page, 'nav-sign-in').waitFor();
}

/** The header's language select; waits until the document says the new language. */
export async function setLocale(page: Page, locale: Locale): Promise<void> {
  await byTest(page, 'locale').selectOption(locale);
  await page.locator(`html[lang="${locale}"]`).waitFor({ state: 'attached' });
}

/**
 * Picks a value in the select named `name`: a native <select> by its value, an Element Plus select by
 * the option's visible label (its dropdown opens in a popper at the end of the body).
 */
export async function chooseRole(page: Page, name: string, value: string, label: string | RegExp): Promise<void> {
  const select = byTest(page, name).first();
  if ((await select.evaluate((el) => el.tagName)) === 'SELECT') {
    await select.selectOption(value);
    return;
  }
  await select.click();
  await page.locator('.el-select-dropdown__item:visible').filter({ hasText: label }).first().click();
  await page.locator('.el-select-dropdown:visible').waitFor({ state: 'hidden' }).catch(() => undefined);
}

/** The open Element Plus dialog (the last one, when dialogs stack). */
export function dialog(page: Page): Locator {
  return page.locator('.el-dialog:visible, .el-message-box:visible').last();
}

/** No request in flight, no loading mask, animations over: a page worth a screenshot. */
export async function settle(page: Page): Promise<void> {
  await page.waitForLoadState('networkidle').catch(() => undefined);
  await page.locator('.el-loading-mask:visible').first().waitFor({ state: 'detached', timeout: 15_000 }).catch(() => undefined);
  await page.evaluate(() => document.fonts.ready.then(() => undefined));
  // Element Plus transitions last 0.3 s.
  await page.waitForTimeout(400);
}

/** e2e/screenshots/<locale>/<name>.png, the whole page. */
export async function screenshot(page: Page, locale: Locale, name: string): Promise<string> {
  await settle(page);
  const file = path.join(SCREENSHOTS, locale, `${name}.png`);
  await fs.mkdir(path.dirname(file), { recursive: true });
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
