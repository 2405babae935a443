/**
 * Findings of the first outside look at the console, in a real browser at 1280 px, in English and Chinese:
 * tables that fit and keep their first column, immutable tags marked and their refusal translated, a
 * signed-out visitor offered to sign in and come back, the tag kept on the artifact page with its pull
 * command readable, the retention preview paged and honest about the grace window, GC starting as a dry run,
 * and no English left in the Chinese console. Screenshots: e2e/screenshots/<locale>/hardening-*.png.
 */
import { Browser, Page } from 'playwright-core';
import { RegistryClient } from '../test/support/registry-client';
import { startTestBerth, TEST_ADMIN_PASSWORD, TestBerth } from '../test/support/test-berth';
import { launchBrowser, newVisitor, requireCjkFonts, Visitor } from './support/browser';
import { message } from './support/catalogue';
import fs from 'node:fs/promises';
import path from 'node:path';
import { byTest, dialog, field, Locale, screenshot, SCREENSHOTS, setLocale, settle, signIn } from './support/console';
import { adminApi, inBatches } from './support/registry';

const PROJECT = 'hard';
const REPO = 'app';
const TAGS_URL = `/projects/${PROJECT}/repositories/${REPO}/-/tags`;
const LONG_TAG = 'release-2026.12.08-build.1234567-linux-amd64-with-a-long-suffix';
const LOCALES: Locale[] = ['en', 'zh-CN'];
/** Old enough for retention (outside the one-hour grace window), to fill a preview of several pages. */
const OLD_IMAGES = 120;

describe('console hardening (1280 px, en and zh-CN)', () => {
  let berth: TestBerth;
  let browser: Browser;
  const visitors: Visitor[] = [];
  let admin: Visitor;
  let ruleId = '';

  const visit = async (locale: Locale = 'en'): Promise<Visitor> => {
    const visitor = await newVisitor(browser, berth.url, { locale: locale === 'zh-CN' ? 'zh-CN' : 'en-US', width: 1280, height: 800 });
    visitors.push(visitor);
    return visitor;
  };

  /** A signed-in admin page in `locale`. */
  async function adminIn(locale: Locale): Promise<Page> {
    const { page } = admin;
    if ((await page.locator('html').getAttribute('lang')) !== locale) {
      await page.goto('/');
      await setLocale(page, locale);
    }
    return page;
  }

  beforeAll(async () => {
    requireCjkFonts();
    browser = await launchBrowser();
    berth = await startTestBerth();
    const registry = new RegistryClient(berth.url);
    await adminApi(berth, 'POST', '/api/v1/projects', { name: PROJECT, public: false });
    for (const tag of ['v1.0.0', 'scratch', LONG_TAG]) await registry.pushImage(`${PROJECT}/${REPO}`, { tag });
    ruleId = (await adminApi<{ id: string }>(berth, 'POST', `/api/v1/projects/${PROJECT}/immutable-rules`, { tags: { include: ['v*.*.*'] } })).id;
    // A repository for retention: many old untagged images (the rules delete them), and two fresh tags (spared).
    await inBatches(
      Array.from({ length: OLD_IMAGES }, (_, i) => i),
      8,
      async () => void (await registry.pushImage(`${PROJECT}/old`)),
    );
    await berth.running.dataSource.query(
      `UPDATE manifest SET pushed_at = now() - interval '3 days' WHERE repository_id = (SELECT id FROM repository WHERE name = $1)`,
      [`${PROJECT}/old`],
    );
    for (const tag of ['fresh-1', 'fresh-2']) await registry.pushImage(`${PROJECT}/new`, { tag });
    await adminApi(berth, 'PUT', `/api/v1/projects/${PROJECT}/retention`, {
      rules: [{ repositories: { include: ['old', 'new'] }, tags: { include: ['v*'] }, action: { kind: 'latest_pushed', count: 1 } }],
      schedule: null,
    });
    await adminApi(berth, 'POST', '/api/v1/users', { username: 'longmail', password: 'long-mail-password-1', email: 'firstname.lastname.of.a.person@infrastructure-operations.example-company.com' });
    admin = await visit();
    await signIn(admin.page, 'admin', TEST_ADMIN_PASSWORD);
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await berth?.close();
  });

  afterEach(() => {
    // An uncaught exception in any page is a bug even when every assertion passed.
    expect(visitors.flatMap((v) => v.errors.splice(0))).toEqual([]);
  });

  /** What the window shows (the whole page is in the full-page screenshot): e2e/screenshots/<locale>/<name>-view.png. */
  async function viewShot(page: Page, locale: Locale, name: string): Promise<void> {
    await settle(page);
    const file = path.join(SCREENSHOTS, locale, `${name}-view.png`);
    await fs.mkdir(path.dirname(file), { recursive: true });
    await page.screenshot({ path: file });
  }

  /** How much wider than its box a table scroller's content is (0: it fits). */
  const overflow = (page: Page, selector: string) =>
    page.locator(selector).first().evaluate((el) => {
      const box = el as HTMLElement;
      return box.scrollWidth - box.clientWidth;
    });

  it.each(LOCALES)('the tag table fits at 1280 px, marks the immutable tag and keeps its name in view when scrolled (%s)', async (locale) => {
    const page = await adminIn(locale);
    await page.goto(TAGS_URL);
    const locked = byTest(page, 'tag-row').and(page.locator('[data-tag="v1.0.0"]'));
    await locked.waitFor();
    expect(await overflow(page, '.tag-table-wrap')).toBeLessThanOrEqual(0);
    expect((await byTest(locked, 'tag-immutable').textContent())?.trim()).toBe(message(locale, 'repository.tags.immutable'));
    expect(await byTest(locked, 'tag-select').isDisabled()).toBe(true);
    await screenshot(page, locale, 'hardening-tags');
    await viewShot(page, locale, 'hardening-tags');

    // Narrower, the table scrolls sideways; the tag column stays where it is.
    await page.setViewportSize({ width: 900, height: 800 });
    try {
      const wrap = page.locator('.tag-table-wrap');
      expect(await overflow(page, '.tag-table-wrap')).toBeGreaterThan(0);
      const before = await byTest(locked, 'tag-link').boundingBox();
      await wrap.evaluate((el) => el.scrollTo({ left: el.scrollWidth }));
      await settle(page);
      const after = await byTest(locked, 'tag-link').boundingBox();
      // Within a pixel or two (sub-pixel borders), and still left of the scrolled-in columns.
      expect(Math.abs(after!.x - before!.x)).toBeLessThanOrEqual(2);
      await viewShot(page, locale, 'hardening-tags-scrolled-900');
    } finally {
      await page.setViewportSize({ width: 1280, height: 800 });
    }
  });

  it.each(LOCALES)('the audit log fits at 1280 px and says its actions in the reader\'s language (%s)', async (locale) => {
    const page = await adminIn(locale);
    await page.goto('/admin/audit');
    await byTest(page, 'audit-row').first().waitFor();
    await screenshot(page, locale, 'hardening-audit');
    await viewShot(page, locale, 'hardening-audit');
    expect(await overflow(page, '.audit-log .bt-scroll')).toBeLessThanOrEqual(0);
    const login = byTest(page, 'audit-row').and(page.locator('[data-action="login"]')).first();
    expect((await byTest(login, 'audit-action').locator('span').textContent())?.trim()).toBe(message(locale, 'audit.actions.login'));
  });

  it.each(LOCALES)('a tag opens its artifact by name, the pull command is whole beside its Copy button; an immutable tag\'s refusal is translated (%s)', async (locale) => {
    const page = await adminIn(locale);
    await page.goto(TAGS_URL);
    const row = byTest(page, 'tag-row').and(page.locator(`[data-tag="${LONG_TAG}"]`));
    await byTest(row, 'tag-link').click();
    await page.waitForURL((url) => url.pathname === `/projects/${PROJECT}/repositories/${REPO}/-/artifacts/${LONG_TAG}`);
    await byTest(page, 'artifact-reference').waitFor();
    expect(await page.locator('h1').textContent()).toContain(`${PROJECT}/${REPO}:${LONG_TAG}`);
    expect(await page.title()).toContain(LONG_TAG);
    const pull = byTest(page, 'artifact-pull');
    const code = pull.locator('code');
    expect(await code.textContent()).toContain(`:${LONG_TAG}`);
    expect(await code.evaluate((el) => el.scrollWidth - el.clientWidth)).toBeLessThanOrEqual(0);
    const [codeBox, buttonBox] = [await code.boundingBox(), await pull.locator('.copy-button').boundingBox()];
    expect(codeBox!.x + codeBox!.width).toBeLessThanOrEqual(buttonBox!.x);
    await screenshot(page, locale, 'hardening-artifact-by-tag');

    // On its artifact page the immutable tag is marked and cannot be removed; deleting the artifact is refused,
    // in the reader's language, with the server's words under it.
    await page.goto(`/projects/${PROJECT}/repositories/${REPO}/-/artifacts/v1.0.0`);
    expect((await byTest(page, 'artifact-tag-immutable').textContent())?.trim()).toBe(message(locale, 'repository.tags.immutable'));
    expect(await byTest(page, 'tag-delete').and(page.locator('[data-tag="v1.0.0"]')).isDisabled()).toBe(true);
    await byTest(page, 'artifact-delete').click();
    await byTest(dialog(page), 'confirm-delete').click();
    const alert = page.locator('[role="alert"]').filter({ has: byTest(page, 'error-message') });
    await alert.waitFor();
    expect(await byTest(alert, 'error-message').textContent()).toBe(message(locale, 'errors.reason.TAG_IMMUTABLE', { tag: 'v1.0.0', rule: ruleId }));
    expect(await byTest(alert, 'error-detail').textContent()).toContain('tag v1.0.0 is immutable');
    if (locale === 'zh-CN') expect(await alert.textContent()).not.toContain('Something went wrong');
    await screenshot(page, locale, 'hardening-immutable-refused');
  });

  it.each(LOCALES)('a signed-out visitor of a private project is offered to sign in, and comes back to it (%s)', async (locale) => {
    const { page } = await visit(locale);
    await page.goto(`/projects/${PROJECT}`);
    await page.locator(`html[lang="${locale}"]`).waitFor({ state: 'attached' }).catch(() => undefined);
    if ((await page.locator('html').getAttribute('lang')) !== locale) await setLocale(page, locale);
    await byTest(page, 'not-found-sign-in').waitFor();
    expect(await byTest(page, 'not-found').locator('h1').textContent()).toBe(message(locale, 'common.notFound.signedOutTitle'));
    expect(await page.locator('a.skip').textContent()).toBe(message(locale, 'common.skipToContent'));
    await screenshot(page, locale, 'hardening-signed-out');
    await byTest(page, 'not-found-sign-in').click();
    await page.waitForURL((url) => url.pathname === '/login');
    await field(page, 'login-username').fill('admin');
    await field(page, 'login-password').fill(TEST_ADMIN_PASSWORD);
    await byTest(page, 'login-submit').click();
    await page.waitForURL((url) => url.pathname === `/projects/${PROJECT}`);
    await byTest(page, 'project-header').waitFor();
  });

  it.each(LOCALES)('the retention dry run pages its preview and shows what the grace window spared (%s)', async (locale) => {
    const page = await adminIn(locale);
    await page.goto(`/projects/${PROJECT}/retention`);
    await byTest(page, 'retention-dry-run').click();
    const preview = byTest(page, 'retention-preview');
    await preview.waitFor({ timeout: 60_000 });
    expect(await byTest(preview, 'retention-preview-artifact').count()).toBe(50);
    expect(await byTest(preview, 'retention-preview-summary').textContent()).toContain(String(OLD_IMAGES));
    const spared = byTest(preview, 'retention-preview-spared');
    expect(await byTest(spared, 'retention-preview-spared-artifact').count()).toBe(2);
    expect(await spared.locator('h3').textContent()).toBe(message(locale, 'policies.preview.sparedTitle'));
    await screenshot(page, locale, 'hardening-retention-preview');
    await byTest(preview, 'retention-preview-pager').locator('.el-pager li').last().click();
    expect(await byTest(preview, 'retention-preview-artifact').count()).toBe(OLD_IMAGES - 100);
  });

  it.each(LOCALES)('garbage collection starts as a dry run and asks before a real one (%s)', async (locale) => {
    const page = await adminIn(locale);
    await page.goto('/admin/gc');
    await byTest(page, 'gc-run').waitFor();
    expect(await byTest(page, 'gc-dry-run').getAttribute('class')).toContain('is-checked');
    expect((await byTest(page, 'gc-run').textContent())?.trim()).toBe(message(locale, 'gc.run.startDry'));
    await byTest(page, 'gc-dry-run').click();
    await byTest(page, 'gc-run').click();
    const asked = dialog(page);
    await asked.waitFor();
    expect(await asked.textContent()).toContain(message(locale, 'gc.run.confirmRealTitle'));
    await screenshot(page, locale, 'hardening-gc-confirm');
    await asked.locator('button').filter({ hasText: message(locale, 'common.cancel') }).click();
    await asked.waitFor({ state: 'hidden' });
    expect(await byTest(page, 'gc-result').count()).toBe(0);
  });

  it.each(LOCALES)('users with long e-mails, and the library project, read well (%s)', async (locale) => {
    const page = await adminIn(locale);
    await page.goto('/admin/users');
    const row = byTest(page, 'user-row').and(page.locator('[data-username="longmail"]'));
    await row.waitFor();
    // Lines of the address end only after an @, a dot or a hyphen: never inside a word.
    const lines = await byTest(row, 'user-email').evaluate((cell) => {
      const range = document.createRange();
      const text = cell.textContent ?? '';
      const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
      const tops: { char: string; top: number }[] = [];
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        for (let i = 0; i < (node.textContent ?? '').length; i++) {
          range.setStart(node, i);
          range.setEnd(node, i + 1);
          tops.push({ char: node.textContent![i], top: Math.round(range.getBoundingClientRect().top) });
        }
      }
      const breaksAfter = tops.flatMap((c, i) => (i > 0 && c.top > tops[i - 1].top ? [tops[i - 1].char] : []));
      return { text, breaksAfter };
    });
    expect(lines.text).toBe('firstname.lastname.of.a.person@infrastructure-operations.example-company.com');
    for (const char of lines.breaksAfter) expect(['@', '.', '-', '_', '/']).toContain(char);
    // A status chip is one line, even in Chinese (two characters used to stack).
    const chip = row.locator('.bt-chip').first();
    expect(await chip.evaluate((el) => el.getClientRects().length === 1 && el.getBoundingClientRect().height < 24)).toBe(true);
    await screenshot(page, locale, 'hardening-users');

    await page.goto('/projects');
    const library = byTest(page, 'project-row').and(page.locator('[data-name="library"]'));
    expect(await byTest(library, 'project-description').textContent()).toBe(message(locale, 'projects.defaultDescription.library'));
  });
});
