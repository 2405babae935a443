/**
 * The console's main journey, in order, in a real browser against a real Berth: an administrator
 * creates a private project, adds a Developer and a robot; skopeo pushes a two-platform image with the
 * robot's secret as the page showed it; the repository page shows both platforms and the tag; the README
 * is written and rendered; the Developer sees it, an outsider gets "not found"; the tag is deleted.
 * Each step's screenshot goes to e2e/screenshots/en/.
 */
import { Browser, Page } from 'playwright-core';
import { startTestBerth, TEST_ADMIN_PASSWORD, TestBerth } from '../test/support/test-berth';
import { launchBrowser, newVisitor, Visitor } from './support/browser';
import { message } from './support/catalogue';
import { byTest, chooseRole, dialog, field, screenshot, signIn } from './support/console';
import { adminApi, TwoPlatformImage, Workspace } from './support/registry';

const PROJECT = 'team-e2e';
const REPO = 'apps/web';
const REPOSITORY = `${PROJECT}/${REPO}`;
const REPOSITORY_URL = `/projects/${PROJECT}/repositories/${REPO}`;
const DEVELOPER = { username: 'dana', password: 'dana-password-1' };
const OUTSIDER = { username: 'otto', password: 'otto-password-1' };
const README = [
  '# Web front end',
  '',
  'Serves the **storefront**. Pull it with `docker pull`.',
  '',
  '- linux/amd64',
  '- linux/arm64',
].join('\n');
/** HTML that must never run: the README is rendered through DOMPurify. */
const HOSTILE = '\n\n<img src="x" onerror="window.__readmeXss = true">\n<script>window.__readmeXss = true</script>\n';

describe('the console journey (en)', () => {
  let berth: TestBerth;
  let browser: Browser;
  let workspace: Workspace;
  let image: TwoPlatformImage;
  let admin: Visitor;
  const visitors: Visitor[] = [];
  const robot = { fullName: '', secret: '' };

  const visit = async (): Promise<Visitor> => {
    const visitor = await newVisitor(browser, berth.url);
    visitors.push(visitor);
    return visitor;
  };

  beforeAll(async () => {
    workspace = await Workspace.create();
    browser = await launchBrowser();
    [berth, image] = await Promise.all([startTestBerth(), workspace.buildTwoPlatformImage()]);
    admin = await visit();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await berth?.close();
    await workspace?.remove();
  });

  afterEach(() => {
    // An uncaught exception in any page is a bug even when every assertion passed.
    expect(visitors.flatMap((v) => v.errors.splice(0))).toEqual([]);
  });

  it('an administrator signs in and creates a private project', async () => {
    const { page } = admin;
    await signIn(page, 'admin', TEST_ADMIN_PASSWORD);
    await page.goto('/projects');
    await byTest(page, 'project-row').first().waitFor();
    await byTest(page, 'create-project').click();
    await field(page, 'project-name').fill(PROJECT);
    await byTest(page, 'project-name-ok').waitFor();
    // Private unless ticked: leave it.
    await expectChecked(page, 'project-public', false);
    await byTest(page, 'project-create-submit').click();
    await page.waitForURL((url) => url.pathname === `/projects/${PROJECT}`);
    await byTest(page, 'tab-repositories').waitFor();
    await byTest(page, 'repositories-empty').waitFor();

    await page.goto('/projects');
    const row = page.locator(`[data-test="project-row"][data-name="${PROJECT}"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain(message('en', 'common.private'));
    await screenshot(page, 'en', 'projects');
  });

  it('creates the Developer and the outsider on the Users page', async () => {
    const { page } = admin;
    await page.goto('/admin/users');
    for (const user of [DEVELOPER, OUTSIDER]) {
      await byTest(page, 'user-create').click();
      const form = dialog(page);
      await field(form, 'user-create-username').fill(user.username);
      await field(form, 'user-create-password').fill(user.password);
      await byTest(form, 'user-create-submit').click();
      await page.locator(`[data-test="user-row"][data-username="${user.username}"]`).waitFor();
      await form.waitFor({ state: 'hidden' });
    }
    await screenshot(page, 'en', 'admin-users');
  });

  it('adds the Developer as a member', async () => {
    const { page } = admin;
    await page.goto(`/projects/${PROJECT}`);
    await byTest(page, 'tab-members').click();
    await page.waitForURL((url) => url.pathname === `/projects/${PROJECT}/members`);
    await field(page, 'member-username').fill(DEVELOPER.username);
    await chooseRole(page, 'member-role', 'developer', message('en', 'common.role.developer'));
    await byTest(page, 'member-add-submit').click();
    const row = page.locator(`[data-test="member-row"][data-username="${DEVELOPER.username}"]`);
    await row.waitFor();
    expect(await row.getAttribute('data-role')).toBe('developer');
  });

  it('creates a robot that may push, and shows its secret once', async () => {
    const { page } = admin;
    await byTest(page, 'tab-robots').click();
    await page.waitForURL((url) => url.pathname === `/projects/${PROJECT}/robots`);
    await byTest(page, 'robot-create').click();
    const form = dialog(page);
    await field(form, 'robot-name').fill('ci');
    for (const permission of ['pull', 'push']) await form.locator(`[data-test="robot-permission"][data-permission="${permission}"]`).check();
    await byTest(form, 'robot-create-submit').click();

    const secret = byTest(page, 'robot-secret');
    await secret.waitFor();
    robot.secret = (await secret.textContent())!.trim();
    robot.fullName = (await byTest(page, 'robot-full-name').textContent())!.trim();
    expect(robot.fullName).toBe(`robot$${PROJECT}+ci`);
    expect(robot.secret.length).toBeGreaterThanOrEqual(20);
    const login = (await byTest(page, 'robot-login-command').textContent())!;
    expect(login).toContain(robot.fullName);
    expect(login).toContain(berth.host);
    await byTest(page, 'robot-secret-close').click();
    await secret.waitFor({ state: 'detached' });
    // Shown once: the list names the robot, never its secret.
    await page.locator('[data-test="robot-row"][data-name="ci"]').waitFor();
    expect(await page.content()).not.toContain(robot.secret);
  });

  it('the robot pushes a two-platform image with skopeo, and the project lists the repository', async () => {
    await workspace.push(berth, image, `${REPOSITORY}:1.0`, robot.fullName, robot.secret);
    // Two more names for the same image, so the tag list has something left after the deletion.
    for (const name of ['1', 'latest']) {
      await adminApi(berth, 'POST', `/api/v1/projects/${PROJECT}/repositories/${REPO}/-/artifacts/${image.index.digest}/tags`, { name });
    }
    const { page } = admin;
    await page.goto(`/projects/${PROJECT}`);
    const row = page.locator(`[data-test="repository-row"][data-name="${REPOSITORY}"]`);
    await row.waitFor();
    await row.getByRole('link', { name: REPOSITORY }).click();
    await page.waitForURL((url) => url.pathname === REPOSITORY_URL);
    await byTest(page, 'repository-name').waitFor();
    expect(await byTest(page, 'repository-name').textContent()).toContain(REPOSITORY);
  });

  it('the Tags tab shows the tag with both platforms', async () => {
    const { page } = admin;
    await byTest(page, 'tab-tags').click();
    await page.waitForURL((url) => url.pathname === `${REPOSITORY_URL}/-/tags`);
    const row = page.locator('[data-test="tag-row"][data-tag="1.0"]');
    await row.waitFor();
    const chips = await byTest(row, 'platform-chip').allTextContents();
    expect(chips.map((c) => c.trim()).sort()).toEqual(['linux/amd64', 'linux/arm64']);
    expect(await byTest(page, 'tag-row').count()).toBe(3);
    await screenshot(page, 'en', 'repository-tags');

    // The artifact behind it: an index of the two platform images.
    await byTest(row, 'tag-link').click();
    await page.waitForURL((url) => url.pathname.startsWith(`${REPOSITORY_URL}/-/artifacts/`));
    await byTest(page, 'artifact-platforms').waitFor();
    expect(await byTest(page, 'artifact-child').count()).toBe(2);
    expect(await byTest(page, 'artifact-platforms').textContent()).toMatch(/linux\/amd64[\s\S]*linux\/arm64|linux\/arm64[\s\S]*linux\/amd64/);
    await screenshot(page, 'en', 'artifact');
  });

  it('edits the README, previews it rendered and sanitised, and saves it', async () => {
    const { page } = admin;
    await page.goto(REPOSITORY_URL);
    await byTest(page, 'readme-empty').waitFor();
    const pull = (await byTest(page, 'pull-command').textContent()) ?? '';
    expect(pull).toContain(`${berth.host}/${REPOSITORY}:latest`);
    await byTest(page, 'readme-edit').click();
    await field(page, 'readme-editor').fill(README + HOSTILE);
    const preview = byTest(page, 'readme-preview');
    await preview.locator('h1', { hasText: 'Web front end' }).waitFor();
    expect(await preview.locator('strong').textContent()).toBe('storefront');
    expect(await preview.locator('li').allTextContents()).toEqual(['linux/amd64', 'linux/arm64']);
    await byTest(page, 'readme-save').click();
    const readme = byTest(page, 'readme');
    await readme.locator('h1', { hasText: 'Web front end' }).waitFor();
    expect(await readme.locator('script, [onerror]').count()).toBe(0);
    await page.waitForTimeout(300);
    expect(await page.evaluate(() => (window as { __readmeXss?: boolean }).__readmeXss)).toBeUndefined();

    // Edited again: the editor starts from the saved text; the hostile lines go.
    await byTest(page, 'readme-edit').click();
    expect(await field(page, 'readme-editor').inputValue()).toBe(README + HOSTILE);
    await field(page, 'readme-editor').fill(README);
    await byTest(page, 'readme-save').click();
    await byTest(page, 'readme-editor').waitFor({ state: 'detached' });
    // Saved on the server: it survives a reload.
    await page.reload();
    await byTest(page, 'readme').locator('h1', { hasText: 'Web front end' }).waitFor();
    expect(await byTest(page, 'readme').locator('img').count()).toBe(0);
    await screenshot(page, 'en', 'repository-overview');
    await page.goto(`/projects/${PROJECT}`);
    await page.locator(`[data-test="repository-row"][data-name="${REPOSITORY}"]`).waitFor();
    await screenshot(page, 'en', 'project');
    await page.goto('/');
    await page.locator(`[data-test="repository-card"]`, { hasText: REPOSITORY }).first().waitFor();
    await screenshot(page, 'en', 'home');
  });

  it('the Developer signs in and sees the repository and its README, without delete buttons', async () => {
    const { page } = await visit();
    await signIn(page, DEVELOPER.username, DEVELOPER.password);
    await page.goto(REPOSITORY_URL);
    await byTest(page, 'readme').locator('h1', { hasText: 'Web front end' }).waitFor();
    // A Developer may edit the README but not delete.
    await byTest(page, 'readme-edit').waitFor();
    await page.goto(`${REPOSITORY_URL}/-/tags`);
    await page.locator('[data-test="tag-row"][data-tag="1.0"]').waitFor();
    expect(await byTest(page, 'tag-select').count()).toBe(0);
  });

  it('an outsider gets "not found" for the private project and its repository', async () => {
    const { page } = await visit();
    await signIn(page, OUTSIDER.username, OUTSIDER.password);
    for (const url of [`/projects/${PROJECT}`, REPOSITORY_URL, `${REPOSITORY_URL}/-/tags`]) {
      await page.goto(url);
      await byTest(page, 'not-found').waitFor();
      expect(await page.getByText(message('en', 'repository.readme.edit')).count()).toBe(0);
    }
    await page.goto('/projects');
    await page.waitForLoadState('networkidle');
    expect(await page.locator(`[data-test="project-row"][data-name="${PROJECT}"]`).count()).toBe(0);
  });

  it("the main pages fit a phone's width (390 px) without scrolling sideways", async () => {
    const phone = await newVisitor(browser, berth.url, { width: 390, height: 844 });
    visitors.push(phone);
    const { page } = phone;
    await signIn(page, 'admin', TEST_ADMIN_PASSWORD);
    const overflowing: string[] = [];
    for (const url of ['/', '/projects', `/projects/${PROJECT}`, `/projects/${PROJECT}/members`, `/projects/${PROJECT}/robots`, REPOSITORY_URL, `${REPOSITORY_URL}/-/tags`, `${REPOSITORY_URL}/-/artifacts/${image.index.digest}`, '/admin/users']) {
      await page.goto(url);
      await page.waitForLoadState('networkidle');
      // Wide tables may scroll inside their own box; the page itself must not.
      const wide = await page.evaluate(widestElements);
      if (wide) overflowing.push(`${new URL(url, berth.url).pathname.slice(0, 70)}: ${wide}`);
    }
    await screenshot(page, 'en', 'repository-tags-phone');
    expect(overflowing).toEqual([]);
  });

  it('the administrator deletes the tag and it is gone', async () => {
    const { page } = admin;
    await page.goto(`${REPOSITORY_URL}/-/tags`);
    const row = page.locator('[data-test="tag-row"][data-tag="1.0"]');
    await byTest(row, 'tag-select').check();
    await byTest(page, 'tags-delete-selected').click();
    const confirm = dialog(page);
    await byTest(confirm, 'confirm-delete').click();
    await row.waitFor({ state: 'detached' });
    await confirm.waitFor({ state: 'hidden' });
    expect((await byTest(page, 'tag-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-tag')))).sort()).toEqual(['1', 'latest']);
    // Gone on the server, and after a reload.
    const tags = await adminApi<{ items: { name: string }[] }>(berth, 'GET', `/api/v1/projects/${PROJECT}/repositories/${REPO}/-/tags`);
    expect(tags.items.map((t) => t.name).sort()).toEqual(['1', 'latest']);
    await page.reload();
    await page.locator('[data-test="tag-row"][data-tag="latest"]').waitFor();
    expect(await row.count()).toBe(0);
  });
});

async function expectChecked(page: Page, name: string, checked: boolean): Promise<void> {
  const box = page.locator(`input[type="checkbox"][data-test="${name}"], [data-test="${name}"] input[type="checkbox"]`).first();
  expect(await box.isChecked()).toBe(checked);
}

/**
 * In the page: when the document is wider than the window, the outermost elements that stick out
 * (not counting those inside a box that scrolls or clips), as `tag.class[data-test] (right edge)`.
 */
function widestElements(): string | null {
  const limit = window.innerWidth + 1;
  if (document.documentElement.scrollWidth <= limit) return null;
  const clipped = (el: Element): boolean => {
    for (let p = el.parentElement; p; p = p.parentElement) if (/(auto|scroll|hidden)/.test(getComputedStyle(p).overflowX)) return true;
    return false;
  };
  const out: string[] = [];
  for (const el of Array.from(document.body.querySelectorAll('*'))) {
    const right = el.getBoundingClientRect().right;
    if (right <= limit || clipped(el)) continue;
    if (el.parentElement && el.parentElement.getBoundingClientRect().right > limit && !clipped(el.parentElement) && el.parentElement !== document.body) continue;
    const test = el.getAttribute('data-test');
    out.push(`${el.tagName.toLowerCase()}${el.classList.length ? `.${Array.from(el.classList).join('.')}` : ''}${test ? `[data-test=${test}]` : ''} (${Math.round(right)}px)`);
  }
  return `${document.documentElement.scrollWidth}px wide: ${out.slice(0, 4).join(', ')}`;
}
