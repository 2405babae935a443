/**
 * Archive import and export in a real browser, beyond transfer.test.ts's named archive:
 * - an archive without names, imported from a repository page: the dialog asks for a repository and tag,
 *   and the image lands there (checked through the API, config digest included);
 * - the repository page's own (nested) repository as the target of an unnamed image;
 * - one platform of an index downloaded as a docker archive, and all of them as an OCI archive;
 * - the dialog and the download menu in Simplified Chinese, with one import completed in Chinese.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { Browser, Locator, Page } from 'playwright-core';
import { buildImage, BuiltImage, initLayout, skopeo } from '../test/support/images';
import { startTestBerth, TEST_ADMIN_PASSWORD, TestBerth } from '../test/support/test-berth';
import { Member, memberJson, tarMembers } from '../test/transfer/export-fixtures';
import { launchBrowser, newVisitor, requireCjkFonts, Visitor } from './support/browser';
import { message } from './support/catalogue';
import { byTest, field, Locale, screenshot, setLocale, signIn } from './support/console';
import { adminApi, TwoPlatformImage, Workspace } from './support/registry';

const PROJECT = 'harbour';
/** A repository the two-platform image is pushed to, whose page offers the import. */
const MULTI = 'multi';
/** A nested repository (a slash inside the project), whose page also offers the import. */
const NESTED = 'tools/cli';

interface ArtifactDetail {
  digest: string;
  configDigest: string | null;
  tags: string[];
}
interface DockerManifestEntry {
  Config: string;
  RepoTags: string[] | null;
  Layers: string[];
}
interface OciIndexDoc {
  manifests: { mediaType: string; digest: string; platform?: { os: string; architecture: string }; annotations?: Record<string, string> }[];
}

const blobMember = (digest: string) => `blobs/sha256/${digest.split(':')[1]}`;

describe('archive naming, platform downloads and Chinese in the console', () => {
  let berth: TestBerth;
  let browser: Browser;
  let admin: Visitor;
  let work: Workspace;
  let multi: TwoPlatformImage;
  /** One unnamed archive per import, each of its own image, so every config digest says which one landed. */
  const unnamed = {} as Record<'docker' | 'nested' | 'oci', { file: string; image: BuiltImage }>;

  beforeAll(async () => {
    requireCjkFonts();
    work = await Workspace.create();
    const layout = path.join(work.dir, 'unnamed');
    await initLayout(layout);
    for (const [key, format] of [['docker', 'docker-archive'], ['nested', 'docker-archive'], ['oci', 'oci-archive']] as const) {
      const image = await buildImage(layout, { ref: key, architecture: 'amd64', filePath: 'etc/berth-unnamed', fileContent: `unnamed ${key} archive\n`, cmd: ['/bin/true'] });
      const file = path.join(work.dir, `unnamed-${key}.tar`);
      // No name after the path: `docker save <image id>` for docker, an index.json without ref.name for OCI.
      await skopeo(['copy', `oci:${layout}:${key}`, `${format}:${file}`], { env: work.env });
      unnamed[key] = { file, image };
    }
    browser = await launchBrowser();
    [berth, multi] = await Promise.all([startTestBerth(), work.buildTwoPlatformImage('multi')]);
    await adminApi(berth, 'POST', '/api/v1/projects', { name: PROJECT });
    await work.push(berth, multi, `${PROJECT}/${MULTI}:1.0`, 'admin', TEST_ADMIN_PASSWORD);
    await work.push(berth, multi, `${PROJECT}/${NESTED}:0.1`, 'admin', TEST_ADMIN_PASSWORD);
    admin = await newVisitor(browser, berth.url);
    await signIn(admin.page, 'admin', TEST_ADMIN_PASSWORD);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await berth?.close();
    await work?.remove();
  });

  afterEach(() => {
    expect(admin.errors.splice(0)).toEqual([]);
  });

  const artifact = (repo: string, reference: string) => adminApi<ArtifactDetail>(berth, 'GET', `/api/v1/projects/${PROJECT}/repositories/${repo}/-/artifacts/${reference}`);

  /** Opens the page's "Import archive" dialog: the Element Plus dialog that holds the import form. */
  async function openImport(page: Page): Promise<Locator> {
    await byTest(page, 'import-archive').click();
    const dialog = page.locator('.el-dialog:visible', { has: byTest(page, 'import-dialog') });
    // The console's own button; the browser's file input stays in the DOM, hidden (setInputFiles still reaches it).
    await byTest(dialog, 'import-choose').waitFor();
    const input = await byTest(dialog, 'import-file').boundingBox();
    expect(input && input.width <= 1 && input.height <= 1).toBe(true);
    return dialog;
  }

  /** Whether the index's download menu (a <details>) is open. */
  const menuOpen = (menu: Locator) => menu.evaluate((details) => (details as HTMLDetailsElement).open);

  /** Picks `file` and uploads it; resolves once the job shows `status`. */
  async function upload(dialog: Locator, file: string, status: string): Promise<void> {
    await byTest(dialog, 'import-file').setInputFiles(file);
    expect(await byTest(dialog, 'import-file-name').innerText()).toContain(path.basename(file));
    await byTest(dialog, 'import-start').click();
    await dialog.locator(`[data-test="import-job"][data-status="${status}"]`).waitFor({ timeout: 60_000 });
  }

  /** Waits for success and returns the one tag the result links to, as [repository, tag]. */
  async function importedTag(dialog: Locator): Promise<[string | null, string | null]> {
    await dialog.locator('[data-test="import-job"][data-status="succeeded"]').waitFor({ timeout: 60_000 });
    const link = byTest(dialog, 'import-result-tag');
    expect(await link.count()).toBe(1);
    return [await link.getAttribute('data-repository'), await link.getAttribute('data-tag')];
  }

  /** Clicks `link` and saves what the browser downloads, after checking the download did not fail. */
  async function downloadFrom(page: Page, link: Locator, name: string): Promise<{ members: Member[]; suggested: string }> {
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    const file = path.join(work.dir, name);
    await download.saveAs(file);
    expect(await download.failure()).toBeNull();
    return { members: await tarMembers(file), suggested: download.suggestedFilename() };
  }

  it('asks for a repository and tag when the archive names no image, and imports it there (from a repository page)', async () => {
    const { page } = admin;
    await page.goto(`/projects/${PROJECT}/repositories/${MULTI}`);
    const dialog = await openImport(page);
    // The page's repository is offered for unnamed images; emptied, the archive's images must be named one by one.
    expect(await field(dialog, 'import-repository').inputValue()).toBe(`${PROJECT}/${MULTI}`);

    // A repository of another project as the upload's target: the server refuses the upload and the dialog says why.
    await field(dialog, 'import-repository').fill('named/app');
    await byTest(dialog, 'import-file').setInputFiles(unnamed.docker.file);
    await byTest(dialog, 'import-start').click();
    const refusedUpload = dialog.locator('[role="alert"]');
    await refusedUpload.waitFor();
    expect(await refusedUpload.innerText()).toContain(`query: repository "named/app" is in project named; this import goes to project ${PROJECT}`);
    expect(await byTest(dialog, 'import-job').count()).toBe(0);

    await field(dialog, 'import-repository').fill('');
    await upload(dialog, unnamed.docker.file, 'awaiting_names');

    expect(await byTest(dialog, 'import-status').innerText()).toBe(message('en', 'transfer.status.awaiting_names'));
    const form = byTest(dialog, 'import-names');
    expect(await form.innerText()).toContain(message('en', 'transfer.names.hint'));
    const rows = byTest(form, 'import-name-row');
    expect(await rows.count()).toBe(1);
    const legend = await rows.first().locator('legend').innerText();
    expect(legend).toContain(message('en', 'transfer.names.image', { n: 1 }));
    expect(legend).toContain('linux/amd64');
    // The manifest the server wrote for the archive's image (docker archives carry none): the one imported below.
    const named = await rows.first().locator('legend [title]').getAttribute('title');
    expect(named).toMatch(/^sha256:[0-9a-f]{64}$/);
    // Nothing to prefill the repository from; the tag defaults to latest. No repository, no submit.
    expect(await field(rows.first(), 'import-name-repository').inputValue()).toBe('');
    expect(await field(rows.first(), 'import-name-tag').inputValue()).toBe('latest');
    const submit = byTest(form, 'import-names-submit');
    expect(await submit.isDisabled()).toBe(true);

    await field(rows.first(), 'import-name-repository').fill('named/app');
    await field(rows.first(), 'import-name-tag').fill('2.0');
    // "named/app" is a full name in another project: the server refuses it and says why, the form stays for another try.
    await submit.click();
    const refused = dialog.locator('[role="alert"]');
    await refused.waitFor();
    expect(await refused.innerText()).toContain(message('en', 'common.error.title'));
    expect(await refused.innerText()).toContain(`images.0: repository "named/app" is in project named; this import goes to project ${PROJECT}`);
    expect(await byTest(dialog, 'import-job').getAttribute('data-status')).toBe('awaiting_names');
    expect(await rows.count()).toBe(1);

    await field(rows.first(), 'import-name-repository').fill('app');
    expect(await submit.isDisabled()).toBe(false);
    await submit.click();
    expect(await importedTag(dialog)).toEqual([`${PROJECT}/app`, '2.0']);
    expect(await byTest(dialog, 'import-images').innerText()).toBe('1 of 1');
    expect(await byTest(dialog, 'import-layers').innerText()).toBe('1 of 1');
    expect(await dialog.locator('[role="alert"]').count()).toBe(0);
    await screenshot(page, 'en', 'import-archive-named');

    await byTest(dialog, 'import-result-tag').click();
    await page.waitForURL((url) => url.pathname === `/projects/${PROJECT}/repositories/app/-/artifacts/2.0`);
    await byTest(page, 'artifact-config').waitFor();
    expect(await page.locator('.artifact-page h1').innerText()).toBe(`${PROJECT}/app:2.0`);

    const imported = await artifact('app', '2.0');
    expect(imported.digest).toBe(named);
    expect(imported.configDigest).toBe(unnamed.docker.image.manifest.config.digest);
    expect(imported.tags).toEqual(['2.0']);
  }, 120_000);

  it("imports an unnamed image into a nested repository's page's own repository, with the tag typed", async () => {
    const { page } = admin;
    await page.goto(`/projects/${PROJECT}/repositories/${NESTED}`);
    const dialog = await openImport(page);
    // The page offers its own repository, which must be read inside this project (not as project "tools").
    expect(await field(dialog, 'import-repository').inputValue()).toBe(`${PROJECT}/${NESTED}`);
    await field(dialog, 'import-tag').fill('0.2');
    await byTest(dialog, 'import-file').setInputFiles(unnamed.nested.file);
    await byTest(dialog, 'import-start').click();
    await dialog.locator('[data-test="import-job"][data-status="succeeded"], [role="alert"]').first().waitFor({ timeout: 60_000 });
    expect(await dialog.locator('[role="alert"]').allInnerTexts()).toEqual([]);
    expect(await importedTag(dialog)).toEqual([`${PROJECT}/${NESTED}`, '0.2']);

    const imported = await artifact(NESTED, '0.2');
    expect(imported.configDigest).toBe(unnamed.nested.image.manifest.config.digest);
    // The page listens for the import: its tag count follows without a reload.
    await byTest(dialog, 'import-close').click();
    await page.locator('[data-test="tab-tags"] .count', { hasText: /^2$/ }).waitFor();
  }, 120_000);

  it('downloads one platform of an index as a docker archive, and all platforms as an OCI archive', async () => {
    const { page } = admin;
    await page.goto(`/projects/${PROJECT}/repositories/${MULTI}/-/artifacts/1.0`);
    const menu = byTest(page, 'archive-download-menu');
    await menu.waitFor();
    expect(await byTest(menu, 'archive-download').innerText()).toContain(message('en', 'transfer.download.button'));
    await byTest(menu, 'archive-download').click();
    const platforms = byTest(menu, 'archive-download-platform');
    await platforms.first().waitFor();
    expect(await platforms.evaluateAll((links) => links.map((a) => a.getAttribute('data-platform')))).toEqual(['linux/amd64', 'linux/arm64']);
    expect(await platforms.allInnerTexts()).toEqual(['linux/amd64', 'linux/arm64'].map((platform) => message('en', 'transfer.download.platform', { platform })));
    expect(await byTest(menu, 'archive-download-all').innerText()).toBe(message('en', 'transfer.download.all'));

    const arm = await downloadFrom(page, menu.locator('[data-platform="linux/arm64"]'), 'arm64.tar');
    expect(arm.suggested).toMatch(/\.tar$/);
    const manifest = memberJson<DockerManifestEntry[]>(arm.members, 'manifest.json');
    expect(manifest).toHaveLength(1);
    expect(manifest[0].RepoTags).toEqual([`${berth.host}/${PROJECT}/${MULTI}:1.0`]);
    const config = arm.members.find((m) => m.name === manifest[0].Config);
    expect(config?.content).toBeDefined();
    expect(JSON.parse(config!.content!.toString('utf8'))).toMatchObject({ architecture: 'arm64', os: 'linux' });
    const armManifest = JSON.parse((await fs.readFile(path.join(multi.layout, blobMember(multi.platforms.arm64)))).toString('utf8')) as { config: { digest: string } };
    expect(config!.sha256).toBe(armManifest.config.digest);
    expect(manifest[0].Layers.length).toBeGreaterThan(0);
    for (const layer of manifest[0].Layers) expect(arm.members.some((m) => m.name === layer)).toBe(true);

    // The choice closed the menu: open it again for the other one, which closes it too.
    expect(await menuOpen(menu)).toBe(false);
    expect(await platforms.first().isVisible()).toBe(false);
    await byTest(menu, 'archive-download').click();
    const all = await downloadFrom(page, byTest(menu, 'archive-download-all'), 'all.tar');
    expect(await menuOpen(menu)).toBe(false);
    expect(all.members.slice(0, 2).map((m) => m.name)).toEqual(['oci-layout', 'index.json']);
    const top = memberJson<OciIndexDoc>(all.members, 'index.json');
    expect(top.manifests.map((m) => [m.mediaType, m.digest])).toEqual([['application/vnd.oci.image.index.v1+json', multi.index.digest]]);
    expect(top.manifests[0].annotations?.['org.opencontainers.image.ref.name']).toBe(`${berth.host}/${PROJECT}/${MULTI}:1.0`);
    const index = memberJson<OciIndexDoc>(all.members, blobMember(multi.index.digest));
    expect(index.manifests.map((m) => [m.digest, m.platform])).toEqual([
      [multi.platforms.amd64, { architecture: 'amd64', os: 'linux' }],
      [multi.platforms.arm64, { architecture: 'arm64', os: 'linux' }],
    ]);
    // Every blob is there, under its own digest.
    for (const digest of [multi.index.digest, multi.platforms.amd64, multi.platforms.arm64]) expect(all.members.some((m) => m.name === blobMember(digest))).toBe(true);
    for (const member of all.members.filter((m) => m.name.startsWith('blobs/'))) expect(member.sha256).toBe(`sha256:${member.name.split('/')[2]}`);

    // Escape closes it (the focus back on its button), and so does a click elsewhere on the page.
    await byTest(menu, 'archive-download').click();
    await byTest(menu, 'archive-download-all').waitFor();
    await page.keyboard.press('Escape');
    expect(await menuOpen(menu)).toBe(false);
    expect(await byTest(menu, 'archive-download').evaluate((summary) => summary === document.activeElement)).toBe(true);
    await byTest(menu, 'archive-download').click();
    await byTest(menu, 'archive-download-all').waitFor();
    await page.locator('.artifact-page h1').click();
    expect(await menuOpen(menu)).toBe(false);
  });

  describe('in Chinese (zh-CN)', () => {
    /** Sizes keep their units in every language (utils/format.ts). */
    const BYTE_UNITS = ['b', 'kib', 'mib', 'gib'];
    /** Latin words a Chinese page may show: those in the zh-CN catalogue's own texts (docker save, OCI, .tar…). */
    let allowedLatin: Set<string>;

    beforeAll(async () => {
      const catalogue = await fs.readFile(path.resolve(__dirname, '../apps/web/src/locales/zh-CN/transfer.json'), 'utf8');
      allowedLatin = new Set((catalogue.match(/[A-Za-z]+/g) ?? []).map((w) => w.toLowerCase()));
    });

    /** Each key's zh-CN text is in `text`, its English text is not, and no other English word is left. */
    function expectChinese(text: string, keys: (string | [string, Record<string, string | number>])[], alsoAllowed: string[] = []): void {
      for (const entry of keys) {
        const [key, values] = typeof entry === 'string' ? [entry, {}] : entry;
        const zh = message('zh-CN', key, values);
        const en = message('en', key, values);
        expect({ key, zh: text.includes(zh) }).toEqual({ key, zh: true });
        if (en !== zh) expect({ key, en: text.includes(en) }).toEqual({ key, en: false });
      }
      const allowed = new Set([...allowedLatin, ...BYTE_UNITS, ...alsoAllowed.flatMap((s) => s.match(/[A-Za-z]+/g) ?? []).map((w) => w.toLowerCase())]);
      const english = (text.replace(/sha256:[0-9a-f]+/g, '').match(/[A-Za-z]+/g) ?? []).filter((word) => !allowed.has(word.toLowerCase()) && !/^[0-9a-f]+$/i.test(word));
      expect(english).toEqual([]);
    }

    const zh: Locale = 'zh-CN';

    it('shows the import dialog in Chinese and completes an import of an unnamed OCI archive', async () => {
      const { page } = admin;
      await page.goto(`/projects/${PROJECT}`);
      await setLocale(page, zh);
      await page.locator(`[data-test="repository-row"][data-name="${PROJECT}/${MULTI}"]`).waitFor();
      expect(await byTest(page, 'import-archive').innerText()).toBe(message(zh, 'transfer.import.button'));
      const dialog = await openImport(page);
      expect(await dialog.locator('.el-dialog__title').innerText()).toBe(message(zh, 'transfer.import.title'));
      const startKeys = ['transfer.import.choose', 'transfer.import.drop', 'transfer.import.formats', 'transfer.import.repository', 'transfer.import.tag', 'transfer.import.targetsHint', 'transfer.import.start', 'common.cancel'];
      expectChinese(await dialog.innerText(), startKeys);
      for (const name of ['import-repository', 'import-tag']) expect(await field(dialog, name).getAttribute('placeholder')).toBe(message(zh, 'transfer.import.optional'));
      await screenshot(page, zh, 'import-archive');

      const file = unnamed.oci.file;
      await upload(dialog, file, 'awaiting_names');
      const form = byTest(dialog, 'import-names');
      expect(await byTest(dialog, 'import-status').innerText()).toBe(message(zh, 'transfer.status.awaiting_names'));
      expectChinese(
        await dialog.innerText(),
        ['transfer.job.status', 'transfer.job.read', 'transfer.job.images', 'transfer.job.layers', 'transfer.names.hint', ['transfer.names.image', { n: 1 }], 'transfer.names.submit', 'transfer.import.repository', 'transfer.import.tag'],
        ['linux/amd64'],
      );
      await field(form, 'import-name-repository').fill('app-zh');
      await field(form, 'import-name-tag').fill('3.0');
      await screenshot(page, zh, 'import-archive-names');
      await byTest(form, 'import-names-submit').click();

      expect(await importedTag(dialog)).toEqual([`${PROJECT}/app-zh`, '3.0']);
      expect(await byTest(dialog, 'import-status').innerText()).toBe(message(zh, 'transfer.status.succeeded'));
      expect(await byTest(dialog, 'import-images').innerText()).toBe(message(zh, 'transfer.job.of', { done: 1, total: 1 }));
      expectChinese(
        await dialog.innerText(),
        [['transfer.result.title', { n: 1 }], 'transfer.result.allTags', 'transfer.import.again', 'common.close'],
        // The result names the tag it wrote; the notes are the server's (English) words, if any.
        [`${PROJECT}/app-zh:3.0`, ...(await byTest(dialog, 'import-notes').allInnerTexts())],
      );
      await screenshot(page, zh, 'import-archive-done');

      const imported = await artifact('app-zh', '3.0');
      expect(imported.configDigest).toBe(unnamed.oci.image.manifest.config.digest);
      await byTest(dialog, 'import-result-tag').click();
      await page.waitForURL((url) => url.pathname === `/projects/${PROJECT}/repositories/app-zh/-/artifacts/3.0`);
      await byTest(page, 'artifact-config').waitFor();
    }, 120_000);

    it("shows the download menu in Chinese on an index's page and in the tag table", async () => {
      const { page } = admin;
      await page.goto(`/projects/${PROJECT}/repositories/${MULTI}/-/artifacts/1.0`);
      expect(await page.locator('html').getAttribute('lang')).toBe(zh);
      const menu = byTest(page, 'archive-download-menu');
      await byTest(menu, 'archive-download').click();
      await byTest(menu, 'archive-download-all').waitFor();
      const keys: [string, Record<string, string>][] = [
        ['transfer.download.button', {}],
        ['transfer.download.platform', { platform: 'linux/amd64' }],
        ['transfer.download.platform', { platform: 'linux/arm64' }],
        ['transfer.download.all', {}],
      ];
      expectChinese(await menu.innerText(), keys, ['linux/amd64', 'linux/arm64']);
      await screenshot(page, zh, 'download-archive-menu');

      // The platform download works from the Chinese page too.
      const arm = await downloadFrom(page, menu.locator('[data-platform="linux/arm64"]'), 'arm64-zh.tar');
      const manifest = memberJson<DockerManifestEntry[]>(arm.members, 'manifest.json');
      expect(JSON.parse(arm.members.find((m) => m.name === manifest[0].Config)!.content!.toString('utf8'))).toMatchObject({ architecture: 'arm64' });

      await page.goto(`/projects/${PROJECT}/repositories/${MULTI}/-/tags`);
      const row = page.locator('[data-test="tag-row"][data-tag="1.0"]');
      await row.waitFor();
      expect(await page.locator('thead').innerText()).toContain(message(zh, 'transfer.download.column'));
      await byTest(row, 'archive-download').click();
      await byTest(row, 'archive-download-all').waitFor();
      expectChinese(await byTest(row, 'archive-download-menu').innerText(), keys, ['linux/amd64', 'linux/arm64']);
    });
  });
});
