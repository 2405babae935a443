/**
 * The built console and the API explorer in a real browser under Berth's Content-Security-Policy: every
 * page renders and works, and the browser reports no violation (it blocks and logs "Refused to ..."
 * for any script, style, image, font or request the policy does not allow). Needs `npm run build`.
 */
import { Browser } from 'playwright-core';
import { RegistryClient } from '../test/support/registry-client';
import { startTestBerth, TEST_ADMIN_PASSWORD, TestBerth } from '../test/support/test-berth';
import { launchBrowser, newVisitor, Visitor } from './support/browser';
import { byTest, signIn } from './support/console';
import { adminApi } from './support/registry';

describe('the console under its Content-Security-Policy', () => {
  let berth: TestBerth;
  let browser: Browser;
  const visitors: (Visitor & { violations: string[] })[] = [];

  const visit = async () => {
    const visitor = await newVisitor(browser, berth.url);
    const violations: string[] = [];
    visitor.page.on('console', (msg) => {
      if (/Content Security Policy|Refused to/i.test(msg.text())) violations.push(`${visitor.page.url()}: ${msg.text()}`);
    });
    // Reported by the page itself too, for violations that never reach the console.
    await visitor.page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => console.error(`Refused to load (Content Security Policy): ${e.violatedDirective} ${e.blockedURI}`));
    });
    const entry = { ...visitor, violations };
    visitors.push(entry);
    return entry;
  };

  beforeAll(async () => {
    browser = await launchBrowser();
    berth = await startTestBerth();
    await adminApi(berth, 'POST', '/api/v1/projects', { name: 'csp-team' });
    await new RegistryClient(berth.url).pushImage('csp-team/app', { tag: '1.0' });
    await adminApi(berth, 'PATCH', '/api/v1/projects/csp-team/repositories/app', {
      description: '# CSP app\n\nA **README** with `code`, a [link](https://example.org) and a table:\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```sh\ndocker pull x\n```\n',
    });
  });
  afterAll(async () => {
    await browser?.close();
    await berth?.close();
  });
  afterEach(() => {
    const all = visitors.splice(0);
    expect(all.flatMap((v) => v.errors)).toEqual([]);
    expect(all.flatMap((v) => v.violations)).toEqual([]);
  });

  it('sends the policy with the console page', async () => {
    const res = await fetch(`${berth.url}/`);
    expect(res.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    expect(res.headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'/);
  });

  it('signs in and walks the console without a blocked script, style, font or request', async () => {
    const { page } = await visit();
    await signIn(page, 'admin', TEST_ADMIN_PASSWORD);
    await page.goto('/projects/csp-team');
    await page.getByText('csp-team').first().waitFor();
    // A repository page: its README rendered (the one v-html), its tags and an artifact.
    await page.goto('/projects/csp-team/repositories/app');
    await byTest(page, 'readme').locator('h1', { hasText: 'CSP app' }).waitFor();
    expect(await byTest(page, 'readme').locator('table td').allTextContents()).toEqual(['1', '2']);
    await page.goto('/projects/csp-team/repositories/app/-/tags');
    await page.getByText('1.0').first().waitFor();
    await page.goto('/admin');
    await byTest(page, 'nav-admin').waitFor();
    await page.goto('/account');
    await byTest(page, 'nav-account').waitFor();
  });

  it('renders the API explorer and its operations', async () => {
    const { page } = await visit();
    await page.goto('/api/v1/docs');
    await page.locator('.swagger-ui .info .title').waitFor();
    expect(await page.locator('.swagger-ui .info .title').textContent()).toMatch(/Berth/);
    await page.locator('.swagger-ui .opblock').first().waitFor();
    expect(await page.locator('.swagger-ui .opblock').count()).toBeGreaterThan(10);
  });

  it('cannot be framed by another page', async () => {
    const { page } = await visit();
    // A page of another origin (about:blank) framing the console: the browser must refuse it, and says so.
    page.removeAllListeners('console');
    await page.setContent(`<iframe id="f" src="${berth.url}/login"></iframe>`);
    const frame = await (await page.$('#f'))!.contentFrame();
    expect(frame).not.toBeNull();
    await frame!.waitForLoadState();
    // index.html carries <div id="app"> from its first byte: absent only when the browser refused the frame.
    expect(await frame!.$('#app')).toBeNull();
    // The same page outside a frame does load.
    await page.goto('/login');
    expect(await page.$('#app')).not.toBeNull();
  });
});
