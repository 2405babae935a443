import { flushPromises, mount } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createMemoryHistory, createRouter } from 'vue-router';
import { api, ApiError } from '@/api/client';
import type { Permission } from '@/api/types';
import { artifactDetail, repositoryView, tag, tagPage } from '@/components/repository/testing';
import { i18n } from '@/i18n';
import { routes } from '@/router';
import { setSessionForTest } from '@/stores/session';
import RepositoryPage from './RepositoryPage.vue';

vi.mock('@/api/client', async (importOriginal) => {
  const actual = await importOriginal<typeof import('@/api/client')>();
  return { ...actual, api: { get: vi.fn(), post: vi.fn(), put: vi.fn(), patch: vi.fn(), delete: vi.fn() } };
});
const get = vi.mocked(api.get);
const patch = vi.mocked(api.patch);
const put = vi.mocked(api.put);

const USER = { id: '1', username: 'dev', email: null, displayName: null, isAdmin: false };
const SYSTEM = { version: 'test', publicUrl: 'http://berth.test', registryHost: 'berth.test:5000', selfRegistration: false, projectCreation: 'admins' as const, authMode: 'database' as const };

let permissions: Permission[] = [];
let repository = repositoryView();

async function mountAt(url: string) {
  // The real routes, so tabs and links resolve as in the app; the page is mounted directly.
  const router = createRouter({ history: createMemoryHistory(), routes });
  await router.push(url);
  const wrapper = mount(RepositoryPage, { global: { plugins: [router, i18n] }, attachTo: document.body });
  await flushPromises();
  return { wrapper, router };
}

beforeEach(() => {
  i18n.global.locale.value = 'en';
  permissions = [];
  repository = repositoryView();
  setSessionForTest(USER, SYSTEM);
  for (const fn of [get, patch, put]) fn.mockReset();
  get.mockImplementation(async (path: string, options?: unknown) => {
    switch (path) {
      case '/api/v1/me/permissions':
        return { project: 'library', role: null, permissions };
      case '/api/v1/projects/{name}/repositories/{path}':
        return repository;
      case '/api/v1/projects/{name}/repositories/{path}/-/tags': {
        const query = (options as { query: { q?: string } }).query;
        return query.q === 'latest' ? tagPage([tag('latest', 'sha256:one')]) : tagPage([tag('2.0', 'sha256:two'), tag('latest', 'sha256:one')]);
      }
      case '/api/v1/projects/{name}/repositories/{path}/-/artifacts/{reference}':
        return artifactDetail();
    }
    throw new Error(`unexpected GET ${path}`);
  });
});
afterEach(() => {
  document.body.innerHTML = '';
});

describe('RepositoryPage', () => {
  it('loads the repository by its full path and shows its header', async () => {
    const { wrapper } = await mountAt('/projects/library/repositories/app/api');
    expect(get).toHaveBeenCalledWith('/api/v1/projects/{name}/repositories/{path}', { path: { name: 'library', path: 'app/api' } });
    expect(wrapper.get('[data-test=repository-name]').text()).toBe('library/app/api');
    expect(wrapper.get('[data-test=pull-command] code').text()).toBe('docker pull berth.test:5000/library/app/api:latest');
    expect(wrapper.get('[data-test=star-count]').text()).toBe('3');
    expect(wrapper.get('[data-test=tab-overview]').attributes('href')).toBe('/projects/library/repositories/app/api');
    expect(wrapper.get('[data-test=tab-tags]').attributes('href')).toBe('/projects/library/repositories/app/api/-/tags');
  });

  it('shows the not-found page for a 404', async () => {
    get.mockImplementation(async (path: string) => {
      if (path === '/api/v1/me/permissions') return { project: 'library', role: null, permissions: [] };
      throw new ApiError(404, { code: 'NOT_FOUND', message: 'no such repository', requestId: 'r' });
    });
    const { wrapper } = await mountAt('/projects/secret/repositories/app');
    expect(wrapper.find('[data-test=not-found]').exists()).toBe(true);
    expect(wrapper.find('[data-test=repository-name]').exists()).toBe(false);
  });

  it('stars only for signed-in users', async () => {
    put.mockResolvedValue(undefined);
    const signedIn = await mountAt('/projects/library/repositories/app/api');
    await signedIn.wrapper.get('[data-test=star-button]').trigger('click');
    await flushPromises();
    expect(put).toHaveBeenCalledWith('/api/v1/projects/{name}/repositories/{path}/-/star', { path: { name: 'library', path: 'app/api' } });
    expect(signedIn.wrapper.get('[data-test=star-count]').text()).toBe('4');
    signedIn.wrapper.unmount();

    setSessionForTest(null, SYSTEM);
    const anonymous = await mountAt('/projects/library/repositories/app/api');
    expect(anonymous.wrapper.find('[data-test=star-button]').exists()).toBe(false);
    expect(anonymous.wrapper.get('[data-test=star-count]').text()).toBe('3');
  });

  it('shows how to push, and no edit button, to someone who may not edit the description', async () => {
    const { wrapper } = await mountAt('/projects/library/repositories/app/api');
    expect(wrapper.find('[data-test=readme-empty]').text()).toContain('docker push berth.test:5000/library/app/api:1.0');
    expect(wrapper.find('[data-test=readme-edit]').exists()).toBe(false);
  });

  it('hides tag selection and deletion without the delete permission', async () => {
    const { wrapper } = await mountAt('/projects/library/repositories/app/api/-/tags');
    expect(wrapper.findAll('[data-test=tag-row]')).toHaveLength(2);
    expect(wrapper.find('[data-test=tag-select]').exists()).toBe(false);
    expect(wrapper.find('[data-test=tags-delete-selected]').exists()).toBe(false);
  });

  it('lets a developer select tags for deletion', async () => {
    permissions = ['pull', 'push', 'delete', 'edit_description'];
    const { wrapper } = await mountAt('/projects/library/repositories/app/api/-/tags');
    const boxes = wrapper.findAll('[data-test=tag-select]');
    expect(boxes).toHaveLength(2);
    await boxes[0].setValue(true);
    expect(wrapper.find('[data-test=tags-delete-selected]').exists()).toBe(true);
  });

  it('edits the README in the lazily loaded editor, with a live preview, and saves it', async () => {
    permissions = ['pull', 'edit_description'];
    repository = repositoryView({ description: 'Old text' });
    const { wrapper } = await mountAt('/projects/library/repositories/app/api');
    expect(wrapper.get('[data-test=readme]').text()).toContain('Old text');
    await wrapper.get('[data-test=readme-edit]').trigger('click');
    await vi.waitFor(async () => {
      await flushPromises();
      expect(wrapper.find('[data-test=readme-editor]').exists()).toBe(true);
    });
    const editor = wrapper.get('[data-test=readme-editor]');
    expect((editor.element as HTMLTextAreaElement).value).toBe('Old text');
    await editor.setValue('New text for the readme');
    await vi.waitFor(() => expect(wrapper.get('[data-test=readme-preview]').text()).toContain('New text for the readme'));
    patch.mockResolvedValue(repositoryView({ description: 'New text for the readme' }));
    await wrapper.get('[data-test=readme-save]').trigger('click');
    await flushPromises();
    expect(patch).toHaveBeenCalledWith('/api/v1/projects/{name}/repositories/{path}', { path: { name: 'library', path: 'app/api' }, body: { description: 'New text for the readme' } });
    expect(wrapper.find('[data-test=readme-editor]').exists()).toBe(false);
    expect(wrapper.get('[data-test=readme]').text()).toContain('New text for the readme');
  });

  it("offers the import with the page's full repository name (project included), so a nested path stays in this project", async () => {
    permissions = ['pull', 'push'];
    const { wrapper } = await mountAt('/projects/library/repositories/tools/cli');
    await wrapper.get('[data-test=import-archive]').trigger('click');
    // The dialog is loaded when first opened, and shown in the body.
    const field = await vi.waitFor(async () => {
      await flushPromises();
      const input = document.querySelector<HTMLInputElement>('input[data-test="import-repository"]');
      if (!input) throw new Error('no import dialog yet');
      return input;
    });
    // "tools/cli" alone would be read as repository "cli" of a project "tools".
    expect(field.value).toBe('library/tools/cli');
  });

  it('offers no import to someone who may not push', async () => {
    permissions = ['pull'];
    const { wrapper } = await mountAt('/projects/library/repositories/tools/cli');
    expect(wrapper.find('[data-test=repository-name]').exists()).toBe(true);
    expect(wrapper.find('[data-test=import-archive]').exists()).toBe(false);
  });
});
