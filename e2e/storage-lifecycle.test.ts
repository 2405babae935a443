/**
 * Issue 6 in a real browser: a Maintainer-level admin writes a retention rule in the project's Retention tab,
 * dry-runs it and reads the preview, runs it and sees the tags gone from the repository page; then runs
 * garbage collection from the administration page and sees the bytes freed.
 */
import { Browser } from 'playwright-core';
import { Descriptor, PushedImage, RegistryClient } from '../test/support/registry-client';
import { startTestBerth, TEST_ADMIN_PASSWORD, TestBerth } from '../test/support/test-berth';
import { launchBrowser, newVisitor, Visitor } from './support/browser';
import { byTest, field, screenshot, signIn } from './support/console';
import { adminApi } from './support/registry';

const PROJECT = 'tidy';
const REPOSITORY = `${PROJECT}/app`;
const TAGS = ['v1', 'v2', 'v3', 'v4', 'stable'];

describe('retention and garbage collection in the console', () => {
  let berth: TestBerth;
  let browser: Browser;
  let admin: Visitor;
  const images = new Map<string, PushedImage>();

  beforeAll(async () => {
    browser = await launchBrowser();
    // Grace 0: the blobs of what retention deletes are collectable at once.
    berth = await startTestBerth({ BERTH_GC_GRACE_SECONDS: '0' });
    await adminApi(berth, 'POST', '/api/v1/projects', { name: PROJECT });
    const registry = new RegistryClient(berth.url);
    // One after another, so that push times order them: v1 is the oldest.
    for (const tag of TAGS) {
      images.set(tag, await registry.pushImage(REPOSITORY, { tag }));
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    admin = await newVisitor(browser, berth.url);
    await signIn(admin.page, 'admin', TEST_ADMIN_PASSWORD);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await berth?.close();
  });

  afterEach(() => {
    expect(admin.errors.splice(0)).toEqual([]);
  });

  it('a retention rule keeps the two newest v* tags: the dry run previews the rest, the run deletes them', async () => {
    const { page } = admin;
    await page.goto(`/projects/${PROJECT}/retention`);
    await byTest(page, 'retention-add-rule').click();
    const rule = byTest(page, 'retention-rule').first();
    await field(rule, 'retention-rule-tags-include').fill('v*');
    await byTest(rule, 'retention-rule-action').selectOption('latest_pushed');
    await field(rule, 'retention-rule-amount').fill('2');
    await field(rule, 'retention-rule-amount').blur();
    // A second rule keeps `stable` whatever its age.
    await byTest(page, 'retention-add-rule').click();
    const always = byTest(page, 'retention-rule').nth(1);
    await field(always, 'retention-rule-tags-include').fill('stable');
    await byTest(always, 'retention-rule-action').selectOption('always');
    await byTest(page, 'retention-save').click();
    await byTest(page, 'retention-unsaved').waitFor({ state: 'hidden' });

    await byTest(page, 'retention-dry-run').click();
    const preview = byTest(page, 'retention-preview');
    await preview.waitFor();
    const artifacts = byTest(preview, 'retention-preview-artifact');
    await expectCount(artifacts, 2);
    const previewText = await preview.innerText();
    expect(previewText).toContain('v1');
    expect(previewText).toContain('v2');
    expect(previewText).not.toContain('v3');
    expect(Number(await byTest(preview, 'retention-preview-total').getAttribute('data-bytes'))).toBeGreaterThan(0);
    await screenshot(page, 'en', 'retention-preview');
    // A dry run deletes nothing.
    expect(await registryTags()).toEqual(['stable', 'v1', 'v2', 'v3', 'v4']);

    await byTest(page, 'retention-run').click();
    await byTest(page, 'confirm-action').click();
    await page.locator('[data-test="retention-history-row"][data-status="succeeded"][data-dry-run="false"]').first().waitFor();
    await expectEventually(async () => (await registryTags()).join(','), 'stable,v3,v4');
    expect(await byTest(page, 'retention-history-row').count()).toBe(2);

    await page.goto(`/projects/${PROJECT}/repositories/app/-/tags`);
    await page.locator('[data-test="tag-row"][data-tag="v4"]').waitFor();
    expect(await page.locator('[data-test="tag-row"][data-tag="v1"]').count()).toBe(0);
    expect(await page.locator('[data-test="tag-row"][data-tag="v2"]').count()).toBe(0);
    expect(await page.locator('[data-test="tag-row"][data-tag="stable"]').count()).toBe(1);
  });

  it('garbage collection run from the administration page frees the bytes of the deleted images', async () => {
    const { page } = admin;
    const freed = blobsOf(['v1', 'v2']);
    const kept = blobsOf(['v3', 'v4', 'stable']);
    // Retention changed only metadata: v1's and v2's blobs still answer, and they are all that is unreferenced.
    expect(await blobStatuses([...freed, ...kept])).toEqual(statuses([...freed, ...kept], 200));
    expect(await unreferencedBlobs()).toEqual(freed.map((d) => d.digest).sort());

    await page.goto('/admin/gc');
    // The page starts as a dry run: switch to a real one, and confirm it.
    await byTest(page, 'gc-dry-run').click();
    await byTest(page, 'gc-run').click();
    await byTest(page, 'confirm-action').click();
    const row = page.locator('[data-test="gc-history-row"][data-status="succeeded"]').first();
    await row.waitFor({ timeout: 30_000 });
    const bytes = Number(await byTest(row, 'gc-bytes-freed').getAttribute('data-bytes'));
    expect(bytes).toBe(freed.reduce((n, d) => n + d.size, 0));
    expect(await row.getAttribute('data-dry-run')).toBe('false');
    await screenshot(page, 'en', 'gc-history');
    // What was freed is really gone: v1's and v2's config and layer no longer answer; the kept images' still do.
    expect(await blobStatuses(freed)).toEqual(statuses(freed, 404));
    expect(await blobStatuses(kept)).toEqual(statuses(kept, 200));
    expect(await unreferencedBlobs()).toEqual([]);
  });

  /** Config and layers of the images pushed under `tags`. */
  function blobsOf(tags: string[]): Descriptor[] {
    return tags.flatMap((tag) => {
      const image = images.get(tag);
      if (!image) throw new Error(`no image was pushed as ${tag}`);
      return [image.config, ...image.layers];
    });
  }

  async function blobStatuses(blobs: Descriptor[]): Promise<[string, number][]> {
    const registry = new RegistryClient(berth.url);
    const out: [string, number][] = [];
    for (const d of blobs) out.push([d.digest, (await registry.request('HEAD', `/v2/${REPOSITORY}/blobs/${d.digest}`)).status]);
    return out;
  }

  function statuses(blobs: Descriptor[], status: number): [string, number][] {
    return blobs.map((d) => [d.digest, status]);
  }

  /** Digests of the blob rows no manifest references, sorted. */
  async function unreferencedBlobs(): Promise<string[]> {
    const rows: { digest: string }[] = await berth.running.dataSource.query(
      `SELECT digest FROM blob b WHERE NOT EXISTS (SELECT 1 FROM manifest_blob mb WHERE mb.digest = b.digest)`,
    );
    return rows.map((r) => r.digest).sort();
  }

  async function registryTags(): Promise<string[]> {
    const res = await new RegistryClient(berth.url).request('GET', `/v2/${REPOSITORY}/tags/list`);
    return (JSON.parse(res.body.toString()).tags as string[]).sort();
  }
});

async function expectCount(locator: { count(): Promise<number> }, expected: number): Promise<void> {
  await expectEventually(() => locator.count(), expected);
}

async function expectEventually<T>(read: () => Promise<T>, expected: T, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: T = await read();
  while (last !== expected && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    last = await read();
  }
  expect(last).toBe(expected);
}
