import { flushPromises, mount } from '@vue/test-utils';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { defineComponent, h } from 'vue';
import { createMemoryHistory, createRouter } from 'vue-router';
import { ApiError } from '@/api/client';
import { i18n } from '@/i18n';
import ProjectDangerZone from './ProjectDangerZone.vue';

const { del } = vi.hoisted(() => ({ del: vi.fn() }));
vi.mock('@/api/client', async (importOriginal) => ({
  ...(await importOriginal<typeof import('@/api/client')>()),
  api: { get: vi.fn(), post: vi.fn(), put: vi.fn(), patch: vi.fn(), delete: del },
}));

const Stub = defineComponent({ render: () => h('p') });

async function mountZone() {
  i18n.global.locale.value = 'en';
  const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/', component: Stub }, { path: '/projects', name: 'projects', component: Stub }] });
  await router.push('/');
  const wrapper = mount(ProjectDangerZone, { props: { project: 'team' }, global: { plugins: [i18n, router] }, attachTo: document.body });
  return { wrapper, router };
}

/** The typed confirmation: the delete button stays disabled until the name is typed. */
async function confirm(wrapper: Awaited<ReturnType<typeof mountZone>>['wrapper']) {
  await flushPromises();
  const button = wrapper.get('[data-test="confirm-delete"]');
  expect(button.attributes('disabled')).toBeDefined();
  await wrapper.get('[data-test="confirm-name"]').setValue('team');
  await button.trigger('click');
  await flushPromises();
}

describe('ProjectDangerZone', () => {
  beforeEach(() => {
    del.mockReset();
    document.body.innerHTML = '';
  });

  it('offers to delete with the repositories when the API refuses, then deletes with force', async () => {
    del.mockRejectedValueOnce(
      new ApiError(409, { code: 'PRECONDITION', message: 'project "team" still has 2 repositories with images', details: { repositories: 2 }, requestId: 'r' }),
    );
    del.mockResolvedValueOnce(undefined);
    const { wrapper, router } = await mountZone();

    await wrapper.get('[data-test="project-delete"]').trigger('click');
    await confirm(wrapper);
    expect(del).toHaveBeenLastCalledWith('/api/v1/projects/{name}', { path: { name: 'team' }, query: undefined });
    expect(wrapper.get('[data-test="project-delete-refused"]').text()).toContain('This project still has 2 repositories with images.');

    await wrapper.get('[data-test="project-delete-force"]').trigger('click');
    await confirm(wrapper);
    expect(del).toHaveBeenLastCalledWith('/api/v1/projects/{name}', { path: { name: 'team' }, query: { force: 'true' } });
    expect(router.currentRoute.value.name).toBe('projects');
    wrapper.unmount();
  });
});
