import { flushPromises, mount } from '@vue/test-utils';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { defineComponent, h } from 'vue';
import { createMemoryHistory, createRouter, RouterView } from 'vue-router';
import type { SearchHit } from '@/api/types';
import { i18n } from '@/i18n';
import { setSessionForTest } from '@/stores/session';
import HomePage from './HomePage.vue';

const { get } = vi.hoisted(() => ({ get: vi.fn() }));
vi.mock('@/api/client', async (importOriginal) => ({
  ...(await importOriginal<typeof import('@/api/client')>()),
  api: { get, post: vi.fn(), put: vi.fn(), patch: vi.fn(), delete: vi.fn() },
}));

const hits: SearchHit[] = [
  { kind: 'project', name: 'team', project: 'team', badge: null, excerpt: 'Team images' },
  { kind: 'repository', name: 'team/app/api', project: 'team', repository: 'team/app/api', badge: 'official', pullCount: 3, starCount: 1, pushedAt: null, excerpt: '' },
  { kind: 'tag', name: 'team/app/api:1.0', project: 'team', repository: 'team/app/api', tag: '1.0', digest: `sha256:${'a'.repeat(64)}`, badge: null, pullCount: 0, pushedAt: '2025-01-01T00:00:00Z' },
];
const statistics = { projects: 1, publicProjects: 1, privateProjects: 0, repositories: 0, storageBytes: 0 };
const emptyPage = { items: [], total: 0, page: 1, pageSize: 20 };

async function visit(path: string) {
  i18n.global.locale.value = 'en';
  const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/', name: 'home', component: HomePage }, { path: '/:rest(.*)', component: { render: () => h('p') } }] });
  await router.push(path);
  await router.isReady();
  const wrapper = mount(defineComponent({ render: () => h(RouterView) }), { global: { plugins: [i18n, router] } });
  await flushPromises();
  return { wrapper, router };
}

describe('HomePage', () => {
  beforeEach(() => {
    get.mockReset();
    setSessionForTest(null, { version: '1', publicUrl: 'http://berth.test', registryHost: 'berth.test:5000', selfRegistration: false, projectCreation: 'admins', authMode: 'database' });
  });

  it('searches with q from the URL and links each hit by kind', async () => {
    get.mockImplementation(async (path: string) => {
      if (path === '/api/v1/search') return { items: hits, total: 3, page: 1, pageSize: 20 };
      throw new Error(`unexpected GET ${path}`);
    });
    const { wrapper } = await visit('/?q=api&kind=tag');
    expect(get).toHaveBeenCalledWith('/api/v1/search', { query: { q: 'api', kind: 'tag', page: 1, page_size: 20 } });
    expect((wrapper.get('[data-test="search-input"]').element as HTMLInputElement).value).toBe('api');
    const links = wrapper.findAll('[data-test="search-hit"]').map((hit) => [hit.attributes('data-kind'), hit.get('a').attributes('href')]);
    expect(links).toEqual([
      ['project', '/projects/team'],
      ['repository', '/projects/team/repositories/app/api'],
      ['tag', '/projects/team/repositories/app/api/-/artifacts/1.0'],
    ]);
  });

  it('browses repositories with the filters from the URL', async () => {
    get.mockImplementation(async (path: string) => {
      if (path === '/api/v1/statistics') return statistics;
      if (path === '/api/v1/repositories') return { items: [{ name: 'library/nginx', excerpt: '', badge: 'official', ownBadge: 'official', starCount: 0, starred: false, artifactCount: 1, tagCount: 1, pullCount: 0, pushedAt: null }], total: 1, page: 1, pageSize: 20 };
      throw new Error(`unexpected GET ${path}`);
    });
    const { wrapper } = await visit('/?badge=official&sort=-pulls&page=2');
    expect(get).toHaveBeenCalledWith('/api/v1/repositories', { query: { page: 2, page_size: 20, sort: '-pulls', badge: 'official', starred: undefined } });
    expect(wrapper.findAll('[data-test="repository-card"]').map((c) => c.attributes('data-name'))).toEqual(['library/nginx']);
    // Starred needs an account.
    expect(wrapper.find('[data-test="filter-starred"]').exists()).toBe(false);
  });

  it('shows how to push to the library project when nothing is visible yet', async () => {
    get.mockImplementation(async (path: string) => {
      if (path === '/api/v1/statistics') return statistics;
      if (path === '/api/v1/repositories') return emptyPage;
      throw new Error(`unexpected GET ${path}`);
    });
    const { wrapper } = await visit('/');
    expect(wrapper.get('[data-test="browse-empty"]').text()).toContain('docker push berth.test:5000/library/my-app:1.0');
  });

  it('puts what is typed in the URL', async () => {
    get.mockImplementation(async (path: string) => (path === '/api/v1/statistics' ? statistics : path === '/api/v1/search' ? { ...emptyPage } : emptyPage));
    const { wrapper, router } = await visit('/');
    await wrapper.get('[data-test="search-input"]').setValue('nginx');
    await wrapper.get('form[role="search"]').trigger('submit');
    await flushPromises();
    expect(router.currentRoute.value.query).toEqual({ q: 'nginx' });
    expect(wrapper.get('[data-test="search-empty"]').text()).toContain('nginx');
  });
});
