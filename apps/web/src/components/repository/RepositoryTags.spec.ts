import { flushPromises, mount } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createMemoryHistory, createRouter, type Router } from 'vue-router';
import { api } from '@/api/client';
import { i18n } from '@/i18n';
import RepositoryTags from './RepositoryTags.vue';
import { artifactDetail, tag, tagPage } from './testing';

vi.mock('@/api/client', async (importOriginal) => {
  const actual = await importOriginal<typeof import('@/api/client')>();
  return { ...actual, api: { get: vi.fn(), post: vi.fn(), put: vi.fn(), patch: vi.fn(), delete: vi.fn() } };
});
const get = vi.mocked(api.get);
const del = vi.mocked(api.delete);

const TAGS = '/api/v1/projects/{name}/repositories/{path}/-/tags';
const ARTIFACT = '/api/v1/projects/{name}/repositories/{path}/-/artifacts/{reference}';

function makeRouter(): Router {
  const page = { template: '<div />' };
  return createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/projects/:project/repositories/:repo(.+)/-/artifacts/:reference', name: 'artifact', component: page },
      { path: '/projects/:project/repositories/:repo(.+)/-/tags', name: 'repository-tags', component: page },
    ],
  });
}

async function mountAt(url: string, canDelete = false) {
  const router = makeRouter();
  await router.push(url);
  const wrapper = mount(RepositoryTags, {
    props: { project: 'library', repo: 'app/api', name: 'library/app/api', canDelete },
    global: { plugins: [router, i18n] },
    attachTo: document.body,
  });
  await flushPromises();
  return { wrapper, router };
}

/** The query of the last tag-list request. */
function lastTagQuery(): Record<string, unknown> {
  const calls = get.mock.calls.filter(([path]) => path === TAGS);
  return (calls.at(-1)?.[1] as { query: Record<string, unknown> }).query;
}

beforeEach(() => {
  i18n.global.locale.value = 'en';
  get.mockReset();
  del.mockReset();
  get.mockImplementation(async (path: string, options?: unknown) => {
    if (path === TAGS) return tagPage([tag('latest', 'sha256:one'), tag('1.0', 'sha256:one'), tag('0.9-alpine', 'sha256:two')], 45);
    if (path === ARTIFACT) {
      const reference = (options as { path: { reference: string } }).path.reference;
      return reference === 'sha256:one' ? artifactDetail({ digest: reference, tags: ['latest', '1.0'], freeableBytes: 3 * 1024 * 1024 }) : artifactDetail({ digest: reference, tags: ['0.9-alpine', 'keep'], freeableBytes: 5 });
    }
    throw new Error(`unexpected ${path}`);
  });
});
afterEach(() => {
  document.body.innerHTML = '';
});

describe('RepositoryTags', () => {
  it('asks the server for the page, sort, variant and filter in the URL', async () => {
    await mountAt('/projects/library/repositories/app/api/-/tags?q=0.9&variant=alpine&sort=-version&page=2&page_size=50');
    expect(lastTagQuery()).toEqual({ q: '0.9', variant: 'alpine', sort: '-version', page: 2, page_size: 50 });
    expect(get.mock.calls.at(-1)?.[1]).toMatchObject({ path: { name: 'library', path: 'app/api' } });
  });

  it('puts a new sort in the URL, back on page 1, and asks again', async () => {
    const { wrapper, router } = await mountAt('/projects/library/repositories/app/api/-/tags?page=2');
    await wrapper.get('[data-test=tag-sort]').setValue('-version');
    await flushPromises();
    expect(router.currentRoute.value.query).toEqual({ sort: '-version' });
    expect(lastTagQuery()).toMatchObject({ sort: '-version', page: 1 });
  });

  it('filters on a variant chip, and a second click clears it', async () => {
    const { wrapper, router } = await mountAt('/projects/library/repositories/app/api/-/tags');
    const chip = wrapper.get('[data-test=variant-chip][data-variant=alpine]');
    await chip.trigger('click');
    await flushPromises();
    expect(router.currentRoute.value.query).toEqual({ variant: 'alpine' });
    expect(lastTagQuery()).toMatchObject({ variant: 'alpine' });
    expect(wrapper.get('[data-test=variant-chip][data-variant=alpine]').attributes('aria-pressed')).toBe('true');
    await wrapper.get('[data-test=variant-chip][data-variant=alpine]').trigger('click');
    await flushPromises();
    expect(router.currentRoute.value.query).toEqual({});
    expect(lastTagQuery().variant).toBeUndefined();
  });

  it('sends the name filter once typing pauses', async () => {
    vi.useFakeTimers();
    try {
      const { wrapper, router } = await mountAt('/projects/library/repositories/app/api/-/tags');
      const before = get.mock.calls.length;
      await wrapper.get('[data-test=tag-filter]').setValue('1.');
      await wrapper.get('[data-test=tag-filter]').setValue('1.2');
      expect(get.mock.calls.length).toBe(before);
      await vi.advanceTimersByTimeAsync(300);
      await flushPromises();
      expect(router.currentRoute.value.query).toEqual({ q: '1.2' });
      expect(lastTagQuery()).toMatchObject({ q: '1.2', page: 1 });
      expect(get.mock.calls.filter(([path]) => path === TAGS)).toHaveLength(2);
    } finally {
      vi.useRealTimers();
    }
  });

  it('shows each tag with its platforms, attestations as one marker, and pull commands by tag and digest', async () => {
    const { wrapper } = await mountAt('/projects/library/repositories/app/api/-/tags');
    const row = wrapper.get('[data-test=tag-row][data-tag=latest]');
    expect(row.findAll('[data-test=platform-chip]').map((c) => c.text())).toEqual(['linux/amd64', 'linux/arm64/v8']);
    expect(row.findAll('[data-test=attestation-marker]')).toHaveLength(1);
    // Each platform with what it pulls, as Docker Hub shows them; the size column is what one pull downloads, not the sum.
    expect(row.findAll('[data-test=platform-size]').map((c) => c.text())).toEqual(['24.8 MiB', '23.8 MiB']);
    expect(row.get('[data-test=tag-size]').text()).toBe('23.8 MiB – 24.8 MiB');
    expect(row.get('[data-test=tag-size]').attributes('title')).toBe('What one platform pulls. All platforms together store 49.6 MiB.');
    expect(row.text()).not.toContain('unknown');
    expect(row.find('[data-test=tag-moving]').exists()).toBe(true);
    // By tag, so the artifact page keeps the name in its URL and heading.
    expect(row.get('[data-test=tag-link]').attributes('href')).toBe('/projects/library/repositories/app/api/-/artifacts/latest');
    expect(row.get('[data-test=tag-pull-tag]').attributes('title')).toBe(`docker pull ${window.location.host}/library/app/api:latest`);
    expect(row.get('[data-test=tag-pull-digest]').attributes('title')).toMatch(/library\/app\/api@sha256:one$/);
    expect(row.get('[data-test=tag-pull-tag]').attributes('aria-label')).toBe('By tag: copy the pull command for latest');
  });

  it('copies a Helm chart tag with helm, not docker', async () => {
    get.mockImplementation(async (path: string) => {
      if (path === TAGS) return tagPage([tag('0.1.0', 'sha256:chart', { kind: 'helm-chart', mediaType: 'application/vnd.oci.image.manifest.v1+json', platforms: [], platformCount: 0 })]);
      throw new Error(`unexpected ${path}`);
    });
    const { wrapper } = await mountAt('/projects/library/repositories/app/api/-/tags');
    const row = wrapper.get('[data-test=tag-row][data-tag="0.1.0"]');
    expect(row.get('[data-test=tag-pull-tag]').attributes('title')).toBe(`helm pull oci://${window.location.host}/library/app/api --version 0.1.0`);
    expect(row.get('[data-test=tag-pull-digest]').attributes('title')).toBe(`helm pull oci://${window.location.host}/library/app/api@sha256:chart`);
  });

  it('has no selection or delete without the delete permission', async () => {
    const { wrapper } = await mountAt('/projects/library/repositories/app/api/-/tags');
    expect(wrapper.findAll('[data-test=tag-row]')).toHaveLength(3);
    expect(wrapper.find('[data-test=tag-select]').exists()).toBe(false);
    expect(wrapper.find('[data-test=tags-delete-selected]').exists()).toBe(false);
  });

  it('deletes the selected tags after saying how many and how much space is freed', async () => {
    const { wrapper } = await mountAt('/projects/library/repositories/app/api/-/tags', true);
    const boxes = wrapper.findAll('[data-test=tag-select]');
    expect(boxes).toHaveLength(3);
    // latest and 1.0 are every tag of sha256:one; 0.9-alpine leaves sha256:two with its tag "keep".
    await boxes[0].setValue(true);
    await boxes[1].setValue(true);
    await boxes[2].setValue(true);
    await wrapper.get('[data-test=tags-delete-selected]').trigger('click');
    await flushPromises();
    expect(get.mock.calls.filter(([path]) => path === ARTIFACT).map(([, o]) => (o as { path: { reference: string } }).path.reference).sort()).toEqual(['sha256:one', 'sha256:two']);
    const dialog = document.body.querySelector('.el-dialog');
    expect(dialog?.textContent).toContain('Delete 3 tags?');
    expect(dialog?.textContent).toContain('You are deleting 3 tags.');
    expect(dialog?.textContent).toContain('1 image is left without a tag: up to 3 MiB');
    del.mockResolvedValue(undefined);
    (document.body.querySelector('[data-test=confirm-delete]') as HTMLButtonElement).click();
    await flushPromises();
    expect(del.mock.calls.map(([, o]) => (o as unknown as { path: { tag: string } }).path.tag)).toEqual(['latest', '1.0', '0.9-alpine']);
    expect(wrapper.emitted('changed')).toHaveLength(1);
  });

  it('marks immutable tags, keeps them out of the selection (one by one or the whole page), and never asks to delete them', async () => {
    get.mockImplementation(async (path: string) => {
      if (path === TAGS) return tagPage([tag('v1.0.0', 'sha256:one', { immutable: true }), tag('scratch', 'sha256:two')]);
      if (path === ARTIFACT) return artifactDetail({ digest: 'sha256:two', tags: ['scratch'], freeableBytes: 5 });
      throw new Error(`unexpected ${path}`);
    });
    const { wrapper } = await mountAt('/projects/library/repositories/app/api/-/tags', true);
    const locked = wrapper.get('[data-test=tag-row][data-tag="v1.0.0"]');
    expect(locked.get('[data-test=tag-immutable]').text()).toBe('immutable');
    expect(locked.get('[data-test=tag-immutable]').attributes('title')).toContain('cannot be deleted');
    expect(locked.get('[data-test=tag-select]').attributes('disabled')).toBeDefined();
    expect(wrapper.get('[data-test=tag-row][data-tag=scratch]').find('[data-test=tag-immutable]').exists()).toBe(false);
    expect(wrapper.get('[data-test=tag-row][data-tag=scratch] [data-test=tag-select]').attributes('disabled')).toBeUndefined();

    await wrapper.get('thead input[type=checkbox]').setValue(true);
    expect(wrapper.get('[role=status]').text()).toContain('1 tag selected');
    expect((wrapper.get('thead input[type=checkbox]').element as HTMLInputElement).checked).toBe(true);
    await wrapper.get('[data-test=tags-delete-selected]').trigger('click');
    await flushPromises();
    del.mockResolvedValue(undefined);
    (document.body.querySelector('[data-test=confirm-delete]') as HTMLButtonElement).click();
    await flushPromises();
    expect(del.mock.calls.map(([, o]) => (o as unknown as { path: { tag: string } }).path.tag)).toEqual(['scratch']);
  });

  it('marks them in Chinese too', async () => {
    i18n.global.locale.value = 'zh-CN';
    get.mockImplementation(async (path: string) => {
      if (path === TAGS) return tagPage([tag('v1.0.0', 'sha256:one', { immutable: true })]);
      throw new Error(`unexpected ${path}`);
    });
    const { wrapper } = await mountAt('/projects/library/repositories/app/api/-/tags', true);
    expect(wrapper.get('[data-test=tag-immutable]').text()).toBe('不可变');
  });
});
