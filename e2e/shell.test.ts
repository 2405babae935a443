/**
 * The console's frame in a real browser: signing in and out, the header, the language, deep links,
 * and the not-found page that private things and unknown addresses share.
 */
import { Browser } from 'playwright-core';
import { startTestBerth, TEST_ADMIN_PASSWORD, TestBerth } from '../test/support/test-berth';
import { launchBrowser, newVisitor, Visitor } from './support/browser';
import { message } from './support/catalogue';
import { byTest, field, setLocale, signIn, signOut } from './support/console';
import { adminApi } from './support/registry';

describe('the console shell in a browser', () => {
  let berth: TestBerth;
  let browser: Browser;
  const visitors: Visitor[] = [];

  const visit = async (locale?: string): Promise<Visitor> => {
    const visitor = await newVisitor(browser, berth.url, { locale });
    visitors.push(visitor);
    return visitor;
  };

  beforeAll(async () => {
    browser = await launchBrowser();
    berth = await startTestBerth();
    await adminApi(berth, 'POST', '/api/v1/users', { username: 'reader', password: 'reader-password' });
  });

  afterAll(async () => {
    await browser?.close();
    await berth?.close();
  });

  afterEach(() => {
    // An uncaught exception in a page is a bug even when every assertion passed.
    const errors = visitors.splice(0).flatMap((v) => v.errors);
    expect(errors).toEqual([]);
  });

  it('shows an anonymous visitor the sign-in link and the not-found page for an unknown address', async () => {
    const { page } = await visit();
    await page.goto('/');
    await byTest(page, 'nav-sign-in').waitFor();
    await expectNoLink(page, 'nav-admin');
    await page.goto('/no/such/page');
    await byTest(page, 'not-found').waitFor();
    // Signed out, "not found" may be "private": the page offers to sign in and come back.
    expect(await byTest(page, 'not-found').textContent()).toContain(message('en', 'common.notFound.signedOutTitle'));
    expect(await byTest(page, 'not-found-sign-in').getAttribute('href')).toBe('/login?next=/no/such/page');
  });

  it('refuses a wrong password on the login page, with the reason', async () => {
    const { page } = await visit();
    await page.goto('/login');
    await field(page, 'login-username').fill('admin');
    await field(page, 'login-password').fill('not-the-password');
    await byTest(page, 'login-submit').click();
    await byTest(page, 'login-failure').waitFor();
    expect(await byTest(page, 'login-failure').textContent()).toContain(message('en', 'auth.failed'));
    expect(new URL(page.url()).pathname).toBe('/login');
  });

  it('sends a visitor of a signed-in page to the login page and back, and signs out', async () => {
    const { page } = await visit();
    await page.goto('/account');
    await page.waitForURL((url) => url.pathname === '/login' && url.searchParams.get('next') === '/account');
    await field(page, 'login-username').fill('admin');
    await field(page, 'login-password').fill(TEST_ADMIN_PASSWORD);
    await byTest(page, 'login-submit').click();
    await page.waitForURL((url) => url.pathname === '/account');
    await byTest(page, 'nav-admin').waitFor();
    // The session survives a reload: it is the server's cookie, not the page's memory.
    await page.reload();
    await byTest(page, 'nav-account').waitFor();
    // The header names the account (admin's display name is "Administrator").
    expect(await byTest(page, 'nav-account').textContent()).toMatch(/admin/i);
    await signOut(page);
    await expectNoLink(page, 'nav-account');
  });

  it('keeps administration out of reach of a user who is not an administrator', async () => {
    const { page } = await visit();
    await signIn(page, 'reader', 'reader-password');
    await expectNoLink(page, 'nav-admin');
    await page.goto('/admin/users');
    await byTest(page, 'not-found').waitFor();
  });

  it('switches the language from the header and remembers it after a reload', async () => {
    const { page } = await visit();
    await page.goto('/projects');
    const projects = page.locator('header').getByText(message('en', 'common.nav.projects'), { exact: true });
    await projects.waitFor();
    await setLocale(page, 'zh-CN');
    await page.locator('header').getByText(message('zh-CN', 'common.nav.projects'), { exact: true }).waitFor();
    expect(await byTest(page, 'nav-sign-in').textContent()).toContain(message('zh-CN', 'common.nav.signIn'));
    await page.reload();
    await page.locator('html[lang="zh-CN"]').waitFor({ state: 'attached' });
    expect(await byTest(page, 'locale').inputValue()).toBe('zh-CN');
    await byTest(page, 'nav-sign-in').waitFor();
    expect(await byTest(page, 'nav-sign-in').textContent()).toContain(message('zh-CN', 'common.nav.signIn'));
    await setLocale(page, 'en');
    expect(await byTest(page, 'nav-sign-in').textContent()).toContain(message('en', 'common.nav.signIn'));
  });

  it("starts in Chinese for a browser that prefers it", async () => {
    const { page } = await visit('zh-CN');
    await page.goto('/');
    await page.locator('html[lang="zh-CN"]').waitFor({ state: 'attached' });
    await byTest(page, 'nav-sign-in').waitFor();
    expect(await byTest(page, 'nav-sign-in').textContent()).toContain(message('zh-CN', 'common.nav.signIn'));
  });

  it('searches from the header', async () => {
    const { page } = await visit();
    await page.goto('/projects');
    await byTest(page, 'global-search').fill('library');
    await byTest(page, 'global-search').press('Enter');
    await page.waitForURL((url) => url.pathname === '/' && url.searchParams.get('q') === 'library');
  });

  it('loads a deep link directly, and every script the console asks for', async () => {
    const { page } = await visit();
    const failed: string[] = [];
    page.on('response', (res) => {
      if (res.url().includes('/assets/') && res.status() !== 200) failed.push(`${res.status()} ${res.url()}`);
    });
    const response = await page.goto('/projects/library/repositories/some/deep/name/-/tags?page=2');
    expect(response?.status()).toBe(200);
    expect(response?.headers()['cache-control']).toBe('no-cache');
    await page.waitForLoadState('networkidle');
    expect(new URL(page.url()).pathname).toBe('/projects/library/repositories/some/deep/name/-/tags');
    expect(failed).toEqual([]);
  });
});

async function expectNoLink(page: import('playwright-core').Page, name: string): Promise<void> {
  await page.waitForLoadState('networkidle');
  expect(await byTest(page, name).count()).toBe(0);
}
