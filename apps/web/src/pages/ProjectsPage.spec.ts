import { flushPromises, mount } from '@vue/test-utils';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { defineComponent, h } from 'vue';
import { createMemoryHistory, createRouter, RouterView } from 'vue-router';
import type { Profile, ProjectView, SystemInfo } from '@/api/types';
import { i18n } from '@/i18n';
import { setSessionForTest } from '@/stores/session';
import ProjectsPage from './ProjectsPage.vue';

const { get } = vi.hoisted(() => ({ get: vi.fn() }));
vi.mock('@/api/client', async (importOriginal) => ({
  ...(await importOriginal<typeof import('@/api/client')>()),
  api: { get, post: vi.fn(), put: vi.fn(), patch: vi.fn(), delete: vi.fn() },
}));

const system = (projectCreation: SystemInfo['projectCreation']): SystemInfo => ({ version: '1', publicUrl: 'http://b', registryHost: 'b', selfRegistration: false, projectCreation, authMode: 'database' });
const user = (isAdmin: boolean): Profile => ({ id: 'u', username: 'u', email: null, displayName: null, isAdmin });
const project: ProjectView = { id: '1', name: 'library', public: true, description: '', badge: 'official', role: 'developer', repositoryCount: 3, storageBytes: 2048, quotaBytes: null, createdAt: '2025-01-01T00:00:00Z', updatedAt: '2025-01-01T00:00:00Z' };

async function visit(path: string, locale: 'en' | 'zh-CN' = 'en') {
  i18n.global.locale.value = locale;
  const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/projects', name: 'projects', component: ProjectsPage }, { path: '/:rest(.*)', component: { render: () => h('p') } }] });
  await router.push(path);
  await router.isReady();
  const wrapper = mount(defineComponent({ render: () => h(RouterView) }), { global: { plugins: [i18n, router] } });
  await flushPromises();
  return { wrapper, router };
}

describe('ProjectsPage', () => {
  beforeEach(() => {
    get.mockReset();
    get.mockResolvedValue({ items: [project], total: 1, page: 1, pageSize: 20 });
  });

  it('lists projects with their access, role, size and badge, as the URL asks', async () => {
    setSessionForTest(user(false), system('admins'));
    const { wrapper } = await visit('/projects?sort=-storage&q=lib');
    expect(get).toHaveBeenCalledWith('/api/v1/projects', { query: { page: 1, page_size: 20, sort: '-storage', q: 'lib' } });
    const row = wrapper.get('[data-test="project-row"][data-name="library"]');
    expect(row.text()).toContain('Public');
    expect(row.text()).toContain('Developer');
    expect(row.text()).toContain('2 KiB');
    expect(row.text()).toContain('Official');
    expect(row.get('a').attributes('href')).toBe('/projects/library');
  });

  it("says the library project's seeded description in Chinese, and a description someone wrote as written", async () => {
    setSessionForTest(user(false), system('admins'));
    get.mockResolvedValue({ items: [{ ...project, description: 'Public images for everyone' }, { ...project, id: '2', name: 'team', description: 'Team images' }], total: 2, page: 1, pageSize: 20 });
    try {
      const { wrapper } = await visit('/projects', 'zh-CN');
      expect(wrapper.get('[data-test="project-row"][data-name="library"] [data-test="project-description"]').text()).toBe('面向所有人的公开镜像');
      expect(wrapper.get('[data-test="project-row"][data-name="team"] [data-test="project-description"]').text()).toBe('Team images');
    } finally {
      i18n.global.locale.value = 'en';
    }
  });

  it('sorts by a column through the URL', async () => {
    setSessionForTest(null, system('admins'));
    const { wrapper, router } = await visit('/projects');
    await wrapper.get('[data-test="sort-repositories"]').trigger('click');
    await flushPromises();
    expect(router.currentRoute.value.query).toEqual({ sort: '-repositories' });
  });

  it.each([
    ['anonymous', false, null, 'everyone'],
    ['a user where only admins create', false, user(false), 'admins'],
    ['a user where everyone creates', true, user(false), 'everyone'],
    ['an admin', true, user(true), 'admins'],
  ] as const)('create button for %s: %s', async (_who, offered, who, creation) => {
    setSessionForTest(who, system(creation));
    const { wrapper } = await visit('/projects');
    expect(wrapper.find('[data-test="create-project"]').exists()).toBe(offered);
  });
});
