import { flushPromises, mount } from '@vue/test-utils';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { defineComponent, h } from 'vue';
import { createMemoryHistory, createRouter, RouterView } from 'vue-router';
import { ApiError } from '@/api/client';
import type { Permission, ProjectDetail, Role } from '@/api/types';
import { i18n } from '@/i18n';
import { setSessionForTest } from '@/stores/session';
import ProjectPage from './ProjectPage.vue';
import RepositoriesTab from './RepositoriesTab.vue';

const { get } = vi.hoisted(() => ({ get: vi.fn() }));
vi.mock('@/api/client', async (importOriginal) => ({
  ...(await importOriginal<typeof import('@/api/client')>()),
  api: { get, post: vi.fn(), put: vi.fn(), patch: vi.fn(), delete: vi.fn() },
}));

const project: ProjectDetail = {
  id: '1',
  name: 'team',
  public: false,
  description: 'Team images',
  badge: 'verified',
  role: 'guest',
  repositoryCount: 1,
  storageBytes: 1536,
  quotaBytes: 1024 * 1024,
  createdAt: '2025-01-01T00:00:00Z',
  updatedAt: '2025-01-01T00:00:00Z',
  summary: { repositoryCount: 1, artifactCount: 2, tagCount: 3, membersByRole: { project_admin: 1, maintainer: 0, developer: 0, guest: 1, limited_guest: 0 }, robotCount: 0 },
};
const repository = { name: 'team/app/api', excerpt: 'The API', badge: null, ownBadge: null, starCount: 2, starred: false, artifactCount: 1, tagCount: 4, pullCount: 1200, pushedAt: '2025-01-02T00:00:00Z' };

function answer(role: Role | null, permissions: Permission[]) {
  get.mockImplementation(async (path: string) => {
    if (path === '/api/v1/projects/{name}') return { ...project, role };
    if (path === '/api/v1/me/permissions') return { project: 'team', role, permissions };
    if (path === '/api/v1/projects/{name}/repositories') return { items: [repository], total: 1, page: 1, pageSize: 20 };
    throw new Error(`unexpected GET ${path}`);
  });
}

const Stub = defineComponent({ render: () => h('p', 'tab') });

async function visit(path: string) {
  i18n.global.locale.value = 'en';
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/', name: 'home', component: Stub },
      { path: '/projects', name: 'projects', component: Stub },
      { path: '/login', name: 'login', component: Stub },
      { path: '/projects/:project/repositories/:repo(.+)', name: 'repository', component: Stub },
      {
        path: '/projects/:project',
        component: ProjectPage,
        children: [
          { path: '', name: 'project', component: RepositoriesTab },
          ...['members', 'robots', 'settings', 'audit', 'retention', 'immutability'].map((tab) => ({ path: tab, name: `project-${tab}`, component: Stub })),
        ],
      },
    ],
  });
  await router.push(path);
  await router.isReady();
  const wrapper = mount(defineComponent({ render: () => h(RouterView) }), { global: { plugins: [i18n, router] } });
  await flushPromises();
  return wrapper;
}

const ALL_TABS = ['repositories', 'members', 'robots', 'settings', 'audit', 'retention', 'immutability'];
const tabsOf = (wrapper: Awaited<ReturnType<typeof visit>>) =>
  ALL_TABS.filter((tab) => wrapper.find(`[data-test="tab-${tab}"]`).exists());

describe('ProjectPage', () => {
  beforeEach(() => {
    get.mockReset();
  });

  it('shows a guest only the tabs its permissions allow', async () => {
    setSessionForTest({ id: 'u1', username: 'gus', email: null, displayName: null, isAdmin: false });
    answer('guest', ['pull', 'read_members']);
    const wrapper = await visit('/projects/team');
    // The policy tabs are readable by everyone who can pull (read-only without manage_policies).
    expect(tabsOf(wrapper)).toEqual(['repositories', 'members', 'retention', 'immutability']);
    expect(wrapper.get('[data-test="project-role"]').text()).toBe('Guest');
    expect(wrapper.get('h1').text()).toBe('team');
  });

  it('shows a limited guest no members tab, and the policy tabs it may read', async () => {
    setSessionForTest({ id: 'u4', username: 'lim', email: null, displayName: null, isAdmin: false });
    answer('limited_guest', ['pull']);
    const wrapper = await visit('/projects/team');
    expect(tabsOf(wrapper)).toEqual(['repositories', 'retention', 'immutability']);
  });

  it('shows a maintainer the policy tabs but not robots, settings or audit', async () => {
    setSessionForTest({ id: 'u2', username: 'max', email: null, displayName: null, isAdmin: false });
    answer('maintainer', ['pull', 'push', 'delete', 'edit_description', 'read_members', 'manage_policies']);
    const wrapper = await visit('/projects/team');
    expect(tabsOf(wrapper)).toEqual(['repositories', 'members', 'retention', 'immutability']);
  });

  it('shows a project admin every tab', async () => {
    setSessionForTest({ id: 'u3', username: 'ada', email: null, displayName: null, isAdmin: false });
    answer('project_admin', ['pull', 'push', 'delete', 'edit_description', 'read_members', 'manage_members', 'manage_robots', 'manage_policies', 'manage_project', 'read_audit']);
    const wrapper = await visit('/projects/team');
    expect(tabsOf(wrapper).sort()).toEqual([...ALL_TABS].sort());
  });

  it('shows anonymous visitors the repositories only, without asking for permissions', async () => {
    setSessionForTest(null);
    answer(null, []);
    const wrapper = await visit('/projects/team');
    expect(tabsOf(wrapper)).toEqual(['repositories']);
    expect(get).not.toHaveBeenCalledWith('/api/v1/me/permissions', expect.anything());
  });

  it('lists the repositories with links to them', async () => {
    setSessionForTest(null);
    answer(null, []);
    const wrapper = await visit('/projects/team');
    const row = wrapper.get('[data-test="repository-row"]');
    expect(row.attributes('data-name')).toBe('team/app/api');
    expect(row.get('a').attributes('href')).toBe('/projects/team/repositories/app/api');
  });

  it('shows not-found content for a project it cannot see', async () => {
    setSessionForTest(null);
    get.mockRejectedValue(new ApiError(404, { code: 'NOT_FOUND', message: 'project "team" not found', requestId: 'r' }));
    const wrapper = await visit('/projects/team');
    expect(wrapper.find('[data-test="not-found"]').exists()).toBe(true);
    expect(tabsOf(wrapper)).toEqual([]);
    // Signed out, it may be private: sign in and come back here.
    expect(wrapper.get('[data-test="not-found-sign-in"]').attributes('href')).toBe('/login?next=/projects/team');
  });
});
