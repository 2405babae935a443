/**
 * Details the first outside look found wrong, checked in a real browser: pull commands per client (a Helm
 * chart pulled with helm, not docker) and the chart's own facts; repository cards without Markdown table
 * debris; a multi-platform tag's size per platform instead of the sum; "1 layer" and binary size units.
 */
import { Browser } from 'playwright-core';
import { json, ociImage, RegistryClient } from '../test/support/registry-client';
import { startTestBerth, TEST_ADMIN_PASSWORD, TestBerth } from '../test/support/test-berth';
import { launchBrowser, newVisitor, Visitor } from './support/browser';
import { byTest, screenshot } from './support/console';
import { adminApi, TwoPlatformImage, Workspace } from './support/registry';

const PROJECT = 'open';
const README = ['| tag | what |', '|---|---|', '| latest | newest build |', '', 'The **storefront** front end.'].join('\n');

describe('console details in a browser', () => {
  let berth: TestBerth;
  let browser: Browser;
  let workspace: Workspace;
  let image: TwoPlatformImage;
  let visitor: Visitor;

  beforeAll(async () => {
    workspace = await Workspace.create();
    browser = await launchBrowser();
    [berth, image] = await Promise.all([startTestBerth(), workspace.buildTwoPlatformImage()]);
    await adminApi(berth, 'POST', '/api/v1/projects', { name: PROJECT, public: true });
    await workspace.push(berth, image, `${PROJECT}/web:1.0`, 'admin', TEST_ADMIN_PASSWORD);
    await adminApi(berth, 'PATCH', `/api/v1/projects/${PROJECT}/repositories/web`, { description: README });
    const registry = new RegistryClient(berth.url);
    const config = await registry.pushBlob(`${PROJECT}/charts/web`, json({ apiVersion: 'v2', name: 'web', version: '0.1.0', appVersion: '1.25.3', description: 'The storefront chart' }), 'application/vnd.cncf.helm.config.v1+json');
    const chart = await registry.pushBlob(`${PROJECT}/charts/web`, Buffer.from('chart bytes'), 'application/vnd.cncf.helm.chart.content.v1.tar+gzip');
    await registry.pushManifest(`${PROJECT}/charts/web`, '0.1.0', ociImage({ config, layers: [chart] }));
    visitor = await newVisitor(browser, berth.url);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await berth?.close();
    await workspace?.remove();
  });

  afterEach(() => {
    expect(visitor.errors.splice(0)).toEqual([]);
  });

  it('shows a repository card excerpt as plain text, without table pipes or delimiter rows', async () => {
    const { page } = visitor;
    await page.goto(`/projects/${PROJECT}`);
    const card = page.locator(`[data-test="repository-row"][data-name="${PROJECT}/web"] .excerpt`);
    await card.waitFor();
    const text = (await card.textContent()) ?? '';
    expect(text).toContain('tag what latest newest build The storefront front end.');
    expect(text).not.toMatch(/[|*]|---/);
  });

  it('offers helm and oras for a chart, with its name, version, app version and description', async () => {
    const { page } = visitor;
    await page.goto(`/projects/${PROJECT}/repositories/charts/web/-/artifacts/0.1.0`);
    const box = byTest(page, 'artifact-pull');
    await box.waitFor();
    expect(await box.locator('[role=group] button').allTextContents()).toEqual(['helm', 'oras']);
    expect(await byTest(box, 'pull-command-text').textContent()).toBe(`helm pull oci://${berth.host}/${PROJECT}/charts/web --version 0.1.0`);
    await byTest(box, 'pull-client-oras').click();
    expect(await byTest(box, 'pull-command-text').textContent()).toBe(`oras pull ${berth.host}/${PROJECT}/charts/web:0.1.0`);
    const chart = byTest(page, 'artifact-chart');
    expect(await byTest(chart, 'chart-description').textContent()).toBe('The storefront chart');
    expect(await byTest(chart, 'chart-appVersion').textContent()).toContain('1.25.3');
    expect(await byTest(chart, 'chart-version').textContent()).toContain('0.1.0');
    await screenshot(page, 'en', 'helm-chart');
  });

  it('pulls an image with the client last picked, and says "1 layer" with binary units', async () => {
    const { page } = visitor;
    await page.goto(`/projects/${PROJECT}/repositories/web/-/artifacts/${image.platforms.amd64}`);
    const box = byTest(page, 'artifact-pull');
    await box.waitFor();
    expect(await box.locator('[role=group] button').allTextContents()).toEqual(['docker', 'podman', 'nerdctl']);
    await byTest(box, 'pull-client-podman').click();
    expect(await byTest(box, 'pull-command-text').textContent()).toBe(`podman pull ${berth.host}/${PROJECT}/web@${image.platforms.amd64}`);
    const total = (await byTest(page, 'artifact-layers').locator('tfoot').textContent()) ?? '';
    expect(total).toMatch(/1 layer in total\s*[\d.]+ (B|KiB)/);
    // The choice holds on the next page (the repository header's command).
    await page.goto(`/projects/${PROJECT}/repositories/web`);
    await byTest(page, 'pull-command').waitFor();
    expect(await byTest(page, 'pull-command').locator('[data-test=pull-command-text]').textContent()).toBe(`podman pull ${berth.host}/${PROJECT}/web:1.0`);
  });

  it('lists a two-platform tag with each platform and its size, and the pull size instead of the sum', async () => {
    const { page } = visitor;
    await page.goto(`/projects/${PROJECT}/repositories/web/-/tags`);
    const row = page.locator('[data-test="tag-row"][data-tag="1.0"]');
    await row.waitFor();
    expect(await byTest(row, 'platform-chip').allTextContents()).toEqual(['linux/amd64', 'linux/arm64']);
    const sizes = await byTest(row, 'platform-size').allTextContents();
    expect(sizes).toHaveLength(2);
    for (const size of sizes) expect(size).toMatch(/^[\d.]+ (B|KiB|MiB)$/);
    const size = byTest(row, 'tag-size');
    expect(await size.textContent()).not.toContain('KB');
    expect(await size.getAttribute('title')).toMatch(/^What one platform pulls\. All platforms together store [\d.]+ (KiB|MiB)\.$/);
    await screenshot(page, 'en', 'tags-platform-sizes');
  });
});
