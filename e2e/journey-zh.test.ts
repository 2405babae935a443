/**
 * The journey's main pages in Simplified Chinese: the language is switched with the header's select,
 * and every page then says what its catalogue (apps/web/src/locales/zh-CN) says, with no English left
 * over, Element Plus's own texts included. Screenshots go to e2e/screenshots/zh-CN/.
 */
import { Browser, Page } from 'playwright-core';
import { startTestBerth, TEST_ADMIN_PASSWORD, TestBerth } from '../test/support/test-berth';
import { launchBrowser, newVisitor, requireCjkFonts, Visitor } from './support/browser';
import { message } from './support/catalogue';
import { byTest, screenshot, setLocale, signIn } from './support/console';
import { adminApi, inBatches, TwoPlatformImage, Workspace } from './support/registry';

const PROJECT = 'storefront';
const REPO = 'web';
const REPOSITORY_URL = `/projects/${PROJECT}/repositories/${REPO}`;
const README = ['# 商城前端', '', '为线上商城提供页面的 **Node.js** 服务。', '', '```sh', `docker run -p 8080:8080 ${PROJECT}/${REPO}:latest`, '```', '', '- 支持 linux/amd64 与 linux/arm64'].join('\n');
/** Enough tags for the list to page, so Element Plus's pagination shows its own (translated) texts. */
const TAGS = ['latest', ...Array.from({ length: 24 }, (_, i) => `1.${i}.0`)];

describe('the console journey in Chinese (zh-CN)', () => {
  let berth: TestBerth;
  let browser: Browser;
  let workspace: Workspace;
  let image: TwoPlatformImage;
  let admin: Visitor;

  beforeAll(async () => {
    requireCjkFonts();
    workspace = await Workspace.create();
    browser = await launchBrowser();
    [berth, image] = await Promise.all([startTestBerth(), workspace.buildTwoPlatformImage()]);
    await adminApi(berth, 'POST', '/api/v1/projects', { name: PROJECT, public: false, description: '线上商城的镜像' });
    for (const username of ['wang.fang', 'li.lei']) await adminApi(berth, 'POST', '/api/v1/users', { username, password: `${username}-password` });
    await adminApi(berth, 'POST', `/api/v1/projects/${PROJECT}/members`, { username: 'wang.fang', role: 'developer' });
    await workspace.push(berth, image, `${PROJECT}/${REPO}:2.0.0`, 'admin', TEST_ADMIN_PASSWORD);
    await inBatches(TAGS, 8, (name) =>
      adminApi(berth, 'POST', `/api/v1/projects/${PROJECT}/repositories/${REPO}/-/artifacts/${image.index.digest}/tags`, { name }).then(() => undefined),
    );
    await adminApi(berth, 'PATCH', `/api/v1/projects/${PROJECT}/repositories/${REPO}`, { description: README });
    admin = await newVisitor(browser, berth.url);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await berth?.close();
    await workspace?.remove();
  });

  afterEach(() => {
    expect(admin.errors.splice(0)).toEqual([]);
  });

  /** Each key's Chinese text is on the page and its English text is not. */
  async function expectChinese(page: Page, keys: string[], extra: string[] = []): Promise<void> {
    await page.waitForLoadState('networkidle');
    const text = await page.locator('body').innerText();
    for (const key of keys) {
      const zh = message('zh-CN', key);
      const en = message('en', key);
      expect({ key, zh: text.includes(zh) }).toEqual({ key, zh: true });
      if (en !== zh) expect({ key, en: text.includes(en) }).toEqual({ key, en: false });
    }
    for (const phrase of extra) expect(text).toContain(phrase);
  }

  it('switches to Chinese from the header, and the header follows at once', async () => {
    const { page } = admin;
    await signIn(page, 'admin', TEST_ADMIN_PASSWORD);
    await page.goto('/');
    await page.locator('header').getByText(message('en', 'common.nav.projects'), { exact: true }).waitFor();
    await setLocale(page, 'zh-CN');
    await page.locator('header').getByText(message('zh-CN', 'common.nav.projects'), { exact: true }).waitFor();
    expect(await byTest(page, 'sign-out').textContent()).toContain(message('zh-CN', 'common.nav.signOut'));
    await byTest(page, 'repository-card').first().waitFor();
    await expectChinese(page, ['explore.title', 'explore.intro', 'common.nav.explore', 'common.nav.admin']);
    await screenshot(page, 'zh-CN', 'home');
  });

  it('projects', async () => {
    const { page } = admin;
    await page.goto('/projects');
    await page.locator(`[data-test="project-row"][data-name="${PROJECT}"]`).waitFor();
    await expectChinese(page, ['projects.title', 'projects.column.access', 'projects.column.repositories', 'common.private', 'projects.create.button'], ['线上商城的镜像']);
    await screenshot(page, 'zh-CN', 'projects');
  });

  it('a project', async () => {
    const { page } = admin;
    await page.goto(`/projects/${PROJECT}`);
    await page.locator(`[data-test="repository-row"][data-name="${PROJECT}/${REPO}"]`).waitFor();
    await expectChinese(page, ['project.tabs.repositories', 'project.tabs.members', 'project.tabs.robots', 'project.tabs.settings', 'project.header.storage']);
    await screenshot(page, 'zh-CN', 'project');
  });

  it("a repository's overview with its README", async () => {
    const { page } = admin;
    await page.goto(REPOSITORY_URL);
    await byTest(page, 'readme').locator('h1', { hasText: '商城前端' }).waitFor();
    await byTest(page, 'pull-command').waitFor();
    await expectChinese(page, ['repository.tabs.overview', 'repository.header.pullThis', 'repository.header.lastPushed', 'repository.readme.edit']);
    await screenshot(page, 'zh-CN', 'repository-overview');
  });

  it("a repository's tags, paged by Element Plus in Chinese", async () => {
    const { page } = admin;
    await page.goto(`${REPOSITORY_URL}/-/tags`);
    await byTest(page, 'tag-row').nth(19).waitFor();
    await expectChinese(
      page,
      ['repository.tags.column.tag', 'repository.tags.column.platforms', 'repository.tags.column.pushed', 'repository.tags.sortLabel'],
      // Element Plus's pagination, in its zh-cn locale.
      [`共 ${TAGS.length + 1} 条`],
    );
    expect(await byTest(page, 'tag-filter').getAttribute('placeholder')).toBe(message('zh-CN', 'repository.tags.filter'));
    await screenshot(page, 'zh-CN', 'repository-tags');
  });

  it('an artifact', async () => {
    const { page } = admin;
    await page.goto(`${REPOSITORY_URL}/-/artifacts/${image.index.digest}`);
    await byTest(page, 'artifact-platforms').waitFor();
    await expectChinese(page, ['artifact.sections.platforms', 'artifact.sections.tags', 'artifact.kind.index']);
    await screenshot(page, 'zh-CN', 'artifact');
  });

  it('administration: users', async () => {
    const { page } = admin;
    await page.goto('/admin/users');
    await page.locator('[data-test="user-row"][data-username="wang.fang"]').waitFor();
    await expectChinese(page, ['admin.title', 'admin.nav.users', 'admin.users.create']);
    await screenshot(page, 'zh-CN', 'admin-users');
  });
});
