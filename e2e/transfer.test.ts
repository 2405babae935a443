/**
 * Issue 7 in a real browser: an admin imports a `docker save`-style archive (built with umoci and
 * `skopeo copy … docker-archive:`) through the project page's "Import archive" dialog, watches the upload
 * and the job reach success, follows the link to the imported tag, and downloads it back through the tag
 * row's "Download as archive" link: a tar whose manifest.json names the tag.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { Browser } from 'playwright-core';
import { buildImage, initLayout, skopeo } from '../test/support/images';
import { startTestBerth, TEST_ADMIN_PASSWORD, TestBerth } from '../test/support/test-berth';
import { memberJson, tarMembers } from '../test/transfer/export-fixtures';
import { launchBrowser, newVisitor, Visitor } from './support/browser';
import { byTest, screenshot, signIn } from './support/console';
import { adminApi, Workspace } from './support/registry';

const PROJECT = 'transfer';

describe('archive import and download in the console', () => {
  let berth: TestBerth;
  let browser: Browser;
  let admin: Visitor;
  let work: Workspace;
  let archive: string;
  let configDigest: string;

  beforeAll(async () => {
    work = await Workspace.create();
    const layout = path.join(work.dir, 'layout');
    await initLayout(layout);
    const image = await buildImage(layout, { ref: 'app', architecture: 'amd64', filePath: 'etc/berth-transfer', fileContent: 'imported through the console\n', cmd: ['/bin/true'] });
    configDigest = image.manifest.config.digest;
    archive = path.join(work.dir, 'app.tar');
    // What `docker save transfer/app:1.0` would write (skopeo names it docker.io/transfer/app:1.0).
    await skopeo(['copy', `oci:${layout}:app`, `docker-archive:${archive}:${PROJECT}/app:1.0`], { env: work.env });
    browser = await launchBrowser();
    berth = await startTestBerth();
    await adminApi(berth, 'POST', '/api/v1/projects', { name: PROJECT });
    admin = await newVisitor(browser, berth.url);
    await signIn(admin.page, 'admin', TEST_ADMIN_PASSWORD);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await berth?.close();
    await work?.remove();
  });

  afterEach(() => {
    expect(admin.errors.splice(0)).toEqual([]);
  });

  it('imports the archive through the dialog and links to the imported tag', async () => {
    const { page } = admin;
    await page.goto(`/projects/${PROJECT}`);
    await byTest(page, 'import-archive').click();
    const dialog = byTest(page, 'import-dialog');
    await dialog.waitFor();
    await byTest(dialog, 'import-file').setInputFiles(archive);
    expect(await byTest(dialog, 'import-file-name').innerText()).toContain('app.tar');
    await byTest(page, 'import-start').click();

    const job = page.locator('[data-test="import-job"][data-status="succeeded"]');
    await job.waitFor({ timeout: 60_000 });
    expect(await byTest(dialog, 'import-images').innerText()).toBe('1 of 1');
    expect(await byTest(dialog, 'import-layers').innerText()).toBe('1 of 1');
    const link = byTest(dialog, 'import-result-tag');
    expect(await link.count()).toBe(1);
    expect([await link.getAttribute('data-repository'), await link.getAttribute('data-tag')]).toEqual([`${PROJECT}/app`, '1.0']);
    await screenshot(page, 'en', 'import-archive-done');

    await link.click();
    await page.waitForURL((url) => url.pathname === `/projects/${PROJECT}/repositories/app/-/artifacts/1.0`);
    await byTest(page, 'artifact-config').waitFor();
    expect(await page.locator('.artifact-page h1').innerText()).toContain(`${PROJECT}/app`);
    await byTest(page, 'archive-download').waitFor();

    // The repositories tab lists it now.
    await page.goto(`/projects/${PROJECT}`);
    await page.locator(`[data-test="repository-row"][data-name="${PROJECT}/app"]`).waitFor();
  });

  it('downloads the tag back as a docker archive whose manifest.json names it', async () => {
    const { page } = admin;
    await page.goto(`/projects/${PROJECT}/repositories/app/-/tags`);
    const row = page.locator('[data-test="tag-row"][data-tag="1.0"]');
    await row.waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), byTest(row, 'archive-download').click()]);
    const saved = path.join(work.dir, 'downloaded.tar');
    await download.saveAs(saved);
    expect(download.suggestedFilename()).toMatch(/\.tar$/);
    expect((await fs.stat(saved)).size).toBeGreaterThan(1024);

    const members = await tarMembers(saved);
    const manifest = memberJson<{ Config: string; RepoTags: string[]; Layers: string[] }[]>(members, 'manifest.json');
    expect(manifest).toHaveLength(1);
    expect(manifest[0].RepoTags).toEqual([`${berth.host}/${PROJECT}/app:1.0`]);
    // The config as imported, so the image ID is the one the archive came with.
    expect(manifest[0].Config).toBe(`blobs/sha256/${configDigest.split(':')[1]}`);
    for (const layer of manifest[0].Layers) expect(members.some((m) => m.name === layer)).toBe(true);
  });
});
