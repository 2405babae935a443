import { flushPromises, mount } from '@vue/test-utils';
import { afterEach, describe, expect, it, vi, type Mock } from 'vitest';
import { api } from '@/api/client';
import type { AuditRow } from '@/api/types';
import { english, page, routerAt } from '@/components/admin/spec-helpers';
import AuditLog from './AuditLog.vue';

vi.mock('@/api/client', async (importOriginal) => {
  const actual = await importOriginal<typeof import('@/api/client')>();
  return { ...actual, api: { get: vi.fn(), post: vi.fn(), put: vi.fn(), patch: vi.fn(), delete: vi.fn() } };
});

const get = api.get as unknown as Mock;
const row: AuditRow = {
  id: '1',
  at: '2024-01-01T00:00:00Z',
  actor: 'ann',
  actorKind: 'user',
  action: 'member.add',
  resource: 'member bob of project team',
  projectId: '2',
  project: 'team',
  address: '10.0.0.1',
  success: true,
  details: { username: 'bob', role: 'developer' },
};

describe('AuditLog', () => {
  afterEach(() => vi.resetAllMocks());

  it('asks for the page and filters of a deep link, and filters through the URL', async () => {
    get.mockResolvedValue(page([row]));
    const router = await routerAt('/projects/team/audit?page=2&action=member.add', '/projects/:project/audit', AuditLog);
    const wrapper = mount(AuditLog, { props: { project: 'team' }, global: { plugins: [router, english()] } });
    await flushPromises();
    expect(get).toHaveBeenLastCalledWith('/api/v1/projects/{name}/audit', { path: { name: 'team' }, query: { page: 2, page_size: 50, actor: undefined, action: 'member.add' } });
    expect(wrapper.find('[data-test="audit-row"]').text()).toContain('username=bob, role=developer');

    await wrapper.find('input[data-test="audit-filter-actor"]').setValue('ann');
    await wrapper.find('form').trigger('submit');
    await flushPromises();
    expect(router.currentRoute.value.query).toEqual({ action: 'member.add', actor: 'ann' });
    expect(get).toHaveBeenLastCalledWith('/api/v1/projects/{name}/audit', { path: { name: 'team' }, query: { page: 1, page_size: 50, actor: 'ann', action: 'member.add' } });
  });
});
