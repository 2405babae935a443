/**
 * Every console page checked by axe-core (WCAG 2.x A and AA rules, the same engine as the browsers'
 * Lighthouse audits): as an administrator and anonymously, in English and in Chinese. Any violation fails,
 * with the rule, the elements and axe's own explanation in the message.
 */
import fs from 'node:fs/promises';
import { Browser, Page } from 'playwright-core';
import { json, ociImage, RegistryClient } from '../test/support/registry-client';
import { startTestBerth, TEST_ADMIN_PASSWORD, TestBerth } from '../test/support/test-berth';
import { launchBrowser, newVisitor, requireCjkFonts, Visitor } from './support/browser';
import { byTest, Locale, settle, signIn } from './support/console';
import { adminApi, TwoPlatformImage, Workspace } from './support/registry';

const PROJECT = 'open';
const REPO = 'web';
const REPOSITORY_URL = `/projects/${PROJECT}/repositories/${REPO}`;
const README = ['# Web', '', 'The **storefront**.', '', '| tag | what |', '|---|---|', '| latest | newest build |'].join('\n');

/** Pages an anonymous visitor can open (a public project's too). */
const CHART_URL = `/projects/${PROJECT}/repositories/charts/web/-/artifacts/0.1.0`;
const PUBLIC_PAGES = ['/', '/login', '/signup', '/projects', `/projects/${PROJECT}`, REPOSITORY_URL, `${REPOSITORY_URL}/-/tags`, `${REPOSITORY_URL}/-/artifacts/1.0`, CHART_URL, '/no/such/page'];
/** Pages that need a signed-in administrator. */
const ADMIN_PAGES = [
  `/projects/${PROJECT}/members`,
  `/projects/${PROJECT}/robots`,
  `/projects/${PROJECT}/settings`,
  `/projects/${PROJECT}/audit`,
  `/projects/${PROJECT}/retention`,
  `/projects/${PROJECT}/immutability`,
  '/admin/users',
  '/admin/robots',
  '/admin/settings',
  '/admin/audit',
  '/admin/gc',
  '/account',
];

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; failureSummary?: string }[];
}

describe('accessibility of every console page (axe-core)', () => {
  let berth: TestBerth;
  let browser: Browser;
  let workspace: Workspace;
  let image: TwoPlatformImage;
  let axeSource: string;
  const visitors: Visitor[] = [];

  beforeAll(async () => {
    requireCjkFonts();
    axeSource = await fs.readFile(require.resolve('axe-core/axe.min.js'), 'utf8');
    workspace = await Workspace.create();
    browser = await launchBrowser();
    [berth, image] = await Promise.all([startTestBerth(), workspace.buildTwoPlatformImage()]);
    // Self-registration on, so the sign-up page shows its form.
    await adminApi(berth, 'PATCH', '/api/v1/settings', { self_registration: true, project_creation: 'admins' });
    await adminApi(berth, 'POST', '/api/v1/projects', { name: PROJECT, public: true, description: 'An open project' });
    await workspace.push(berth, image, `${PROJECT}/${REPO}:1.0`, 'admin', TEST_ADMIN_PASSWORD);
    await adminApi(berth, 'PATCH', `/api/v1/projects/${PROJECT}/repositories/${REPO}`, { description: README });
    // A Helm chart as `helm push` stores it: its page shows the chart and helm/oras pull commands.
    const registry = new RegistryClient(berth.url);
    const config = await registry.pushBlob(`${PROJECT}/charts/web`, json({ apiVersion: 'v2', name: 'web', version: '0.1.0', appVersion: '1.25.3', description: 'The storefront chart' }), 'application/vnd.cncf.helm.config.v1+json');
    const chart = await registry.pushBlob(`${PROJECT}/charts/web`, Buffer.from('not really a tarball'), 'application/vnd.cncf.helm.chart.content.v1.tar+gzip');
    await registry.pushManifest(`${PROJECT}/charts/web`, '0.1.0', ociImage({ config, layers: [chart] }));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await berth?.close();
    await workspace?.remove();
  });

  afterEach(() => {
    expect(visitors.splice(0).flatMap((v) => v.errors)).toEqual([]);
  });

  async function visit(locale: Locale): Promise<Page> {
    const visitor = await newVisitor(browser, berth.url, { locale: locale === 'zh-CN' ? 'zh-CN' : 'en-US', bypassCSP: true });
    visitors.push(visitor);
    return visitor.page;
  }

  /** axe's violations on the page as it stands, in a form that names what to fix. */
  async function violations(page: Page): Promise<string[]> {
    await page.addScriptTag({ content: axeSource });
    const found = await page.evaluate(async () => {
      const axe = (window as unknown as { axe: { run(context: Document, options: unknown): Promise<{ violations: Violation[] }> } }).axe;
      const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] }, resultTypes: ['violations'] });
      return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })) }));
    });
    return found.map((v) => `${v.id} (${v.impact}): ${v.help}\n${v.nodes.map((n) => `  ${n.target.join(' ')}: ${(n.failureSummary ?? '').replace(/\s+/g, ' ')}`).join('\n')}`);
  }

  async function check(page: Page, url: string, locale: Locale): Promise<string[]> {
    await page.goto(url);
    await page.locator(`html[lang="${locale}"]`).waitFor({ state: 'attached' });
    await byTest(page, 'locale').waitFor();
    await settle(page);
    return (await violations(page)).map((v) => `${locale} ${url}: ${v}`);
  }

  /** Dialogs and editors that open over a page, by the page and the button that opens them. */
  const OPENED: { url: string; button: string; wait: string }[] = [
    { url: '/projects', button: 'create-project', wait: '.el-dialog' },
    { url: `/projects/${PROJECT}`, button: 'import-archive', wait: '.el-dialog' },
    { url: `/projects/${PROJECT}/robots`, button: 'robot-create', wait: '.el-dialog' },
    { url: `/projects/${PROJECT}/immutability`, button: 'immutable-add', wait: '.el-dialog' },
    { url: `/projects/${PROJECT}/retention`, button: 'retention-add-rule', wait: '[data-test="retention-rule"]' },
    { url: '/admin/users', button: 'user-create', wait: '.el-dialog' },
    { url: REPOSITORY_URL, button: 'readme-edit', wait: '[data-test="readme-editor"]' },
    { url: `${REPOSITORY_URL}/-/artifacts/1.0`, button: 'tag-add', wait: '[data-test="tag-add-name"]' },
  ];

  for (const locale of ['en', 'zh-CN'] as const) {
    it(`finds no violation in the dialogs and editors an administrator opens (${locale})`, async () => {
      const page = await visit(locale);
      await signIn(page, 'admin', TEST_ADMIN_PASSWORD);
      const found: string[] = [];
      for (const { url, button, wait } of OPENED) {
        await page.goto(url);
        await page.locator(`html[lang="${locale}"]`).waitFor({ state: 'attached' });
        await byTest(page, button).click();
        await page.locator(wait).first().waitFor();
        await settle(page);
        found.push(...(await violations(page)).map((v) => `${locale} ${url} + ${button}: ${v}`));
      }
      expect(found).toEqual([]);
    }, 180_000);


    it(`finds no violation on the pages an anonymous visitor sees (${locale})`, async () => {
      const page = await visit(locale);
      const found: string[] = [];
      for (const url of PUBLIC_PAGES) found.push(...(await check(page, url, locale)));
      // The platform image inside the index.
      found.push(...(await check(page, `${REPOSITORY_URL}/-/artifacts/${image.platforms.amd64}`, locale)));
      expect(found).toEqual([]);
    }, 180_000);

    it(`finds no violation on any page an administrator sees (${locale})`, async () => {
      const page = await visit(locale);
      await signIn(page, 'admin', TEST_ADMIN_PASSWORD);
      const found: string[] = [];
      for (const url of [...PUBLIC_PAGES.filter((u) => u !== '/login' && u !== '/signup'), ...ADMIN_PAGES]) found.push(...(await check(page, url, locale)));
      found.push(...(await check(page, `${REPOSITORY_URL}/-/artifacts/${image.platforms.arm64}`, locale)));
      expect(found).toEqual([]);
    }, 300_000);
  }
});
