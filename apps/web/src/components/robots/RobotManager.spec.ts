import { flushPromises, mount } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi, type Mock } from 'vitest';
import { api } from '@/api/client';
import type { RobotView } from '@/api/types';
import { english, page, routerAt } from '@/components/admin/spec-helpers';
import { setSessionForTest } from '@/stores/session';
import RobotManager from './RobotManager.vue';

vi.mock('@/api/client', async (importOriginal) => {
  const actual = await importOriginal<typeof import('@/api/client')>();
  return { ...actual, api: { get: vi.fn(), post: vi.fn(), put: vi.fn(), patch: vi.fn(), delete: vi.fn() } };
});

const get = api.get as unknown as Mock;
const post = api.post as unknown as Mock;
const SECRET = 'Zm9vYmFyLXNlY3JldC12YWx1ZS10aGF0LWlzLWxvbmc';

const robot: RobotView = {
  id: '7',
  name: 'robot$team+ci',
  project: 'team',
  description: '',
  permissions: ['pull', 'push'],
  expiresAt: null,
  disabled: false,
  createdAt: '2024-03-01T00:00:00Z',
  lastUsedAt: null,
};

async function mountManager() {
  const router = await routerAt('/projects/team/robots', '/projects/:project/robots', RobotManager);
  const wrapper = mount(RobotManager, { props: { project: 'team', canManage: true }, global: { plugins: [router, english()] } });
  await flushPromises();
  return wrapper;
}

describe('RobotManager', () => {
  beforeEach(() => {
    setSessionForTest(
      { id: '1', username: 'ann', email: null, displayName: null, isAdmin: false },
      { version: '0', publicUrl: 'http://berth.test:5000', registryHost: 'berth.test:5000', selfRegistration: false, projectCreation: 'admins', authMode: 'database' },
    );
    let created = false;
    get.mockImplementation(async () => page(created ? [robot] : []));
    post.mockImplementation(async () => {
      created = true;
      return { robot, secret: SECRET };
    });
  });
  afterEach(() => vi.resetAllMocks());

  it('shows the new secret once, with the login name and a docker login line, and forgets it on close', async () => {
    const wrapper = await mountManager();
    expect(wrapper.find('[data-test="robot-secret"]').exists()).toBe(false);

    await wrapper.find('[data-test="robot-create"]').trigger('click');
    await wrapper.find('input[data-test="robot-name"]').setValue('ci');
    await wrapper.find('[data-test="robot-permission"][data-permission="push"]').setValue(true);
    await wrapper.find('[data-test="robot-create-submit"]').trigger('click');
    await flushPromises();

    expect(post).toHaveBeenCalledWith('/api/v1/projects/{name}/robots', {
      path: { name: 'team' },
      body: { name: 'ci', description: '', permissions: ['pull', 'push'], expiresAt: null },
    });
    expect(wrapper.find('[data-test="robot-secret"]').text()).toBe(SECRET);
    expect(wrapper.find('[data-test="robot-full-name"]').text()).toBe('robot$team+ci');
    expect(wrapper.find('[data-test="robot-login-command"]').text()).toBe(`echo '${SECRET}' | docker login berth.test:5000 -u 'robot$team+ci' --password-stdin`);
    expect(wrapper.find('[data-test="robot-row"][data-name="ci"]').exists()).toBe(true);

    await wrapper.find('[data-test="robot-secret-close"]').trigger('click');
    await flushPromises();
    expect(wrapper.find('[data-test="robot-secret"]').exists()).toBe(false);
    expect(wrapper.html()).not.toContain(SECRET);
  });

  it('hides every management button from someone without manage_robots', async () => {
    get.mockResolvedValue(page([robot]));
    const router = await routerAt('/admin/robots', '/admin/robots', RobotManager);
    const wrapper = mount(RobotManager, { props: { project: 'team', canManage: false }, global: { plugins: [router, english()] } });
    await flushPromises();
    expect(wrapper.find('[data-test="robot-row"]').exists()).toBe(true);
    expect(wrapper.find('[data-test="robot-create"]').exists()).toBe(false);
    expect(wrapper.find('[data-test="robot-rotate"]').exists()).toBe(false);
    expect(wrapper.find('[data-test="robot-delete"]').exists()).toBe(false);
  });
});
