import { flushPromises, mount } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi, type Mock } from 'vitest';
import { api, ApiError } from '@/api/client';
import type { MemberView, Permission, Role } from '@/api/types';
import { english, page, routerAt } from '@/components/admin/spec-helpers';
import { setSessionForTest } from '@/stores/session';
import MembersTab from './MembersTab.vue';

vi.mock('@/api/client', async (importOriginal) => {
  const actual = await importOriginal<typeof import('@/api/client')>();
  return { ...actual, api: { get: vi.fn(), post: vi.fn(), put: vi.fn(), patch: vi.fn(), delete: vi.fn() } };
});

const get = api.get as unknown as Mock;
const patch = api.patch as unknown as Mock;

const MEMBERS: MemberView[] = [
  { username: 'ann', displayName: 'Ann', role: 'project_admin', addedAt: '2024-01-01T00:00:00Z' },
  { username: 'bob', displayName: null, role: 'developer', addedAt: '2024-02-01T00:00:00Z' },
];

function answer(role: Role, permissions: Permission[]): void {
  get.mockImplementation(async (path: string) => {
    if (path === '/api/v1/me/permissions') return { project: 'team', role, permissions };
    if (path === '/api/v1/projects/{name}/members') return page(MEMBERS);
    throw new Error(`unexpected GET ${path}`);
  });
}

async function mountTab() {
  const router = await routerAt('/projects/team/members', '/projects/:project/members', MembersTab);
  const wrapper = mount(MembersTab, { global: { plugins: [router, english()] } });
  await flushPromises();
  return wrapper;
}

describe('MembersTab', () => {
  beforeEach(() => setSessionForTest({ id: '2', username: 'bob', email: null, displayName: null, isAdmin: false }));
  afterEach(() => vi.resetAllMocks());

  it('shows a Developer the members read-only: no add form, no role selects, no remove buttons', async () => {
    answer('developer', ['pull', 'push', 'read_members']);
    const wrapper = await mountTab();
    expect(wrapper.findAll('[data-test="member-row"]').map((r) => r.attributes('data-username'))).toEqual(['ann', 'bob']);
    expect(wrapper.find('[data-test="member-add"]').exists()).toBe(false);
    expect(wrapper.find('[data-test="member-remove"]').exists()).toBe(false);
    expect(wrapper.find('[data-test="member-role-select"]').exists()).toBe(false);
    expect(wrapper.text()).toContain('Project Admin');
  });

  it('gives a Project Admin the add form and a role select and remove button on every row', async () => {
    setSessionForTest({ id: '1', username: 'ann', email: null, displayName: 'Ann', isAdmin: false });
    answer('project_admin', ['pull', 'push', 'read_members', 'manage_members']);
    const wrapper = await mountTab();
    expect(wrapper.find('[data-test="member-add"]').exists()).toBe(true);
    expect(wrapper.find('[data-test="member-username"]').exists()).toBe(true);
    expect(wrapper.find('[data-test="member-add-submit"]').exists()).toBe(true);
    const bob = wrapper.find('[data-test="member-row"][data-username="bob"]');
    expect(bob.find('[data-test="member-remove"]').exists()).toBe(true);
    expect((bob.find('[data-test="member-role-select"]').element as HTMLSelectElement).value).toBe('developer');
  });

  it('says plainly why the last Project Admin cannot be demoted', async () => {
    setSessionForTest({ id: '1', username: 'ann', email: null, displayName: 'Ann', isAdmin: false });
    answer('project_admin', ['read_members', 'manage_members']);
    patch.mockRejectedValue(new ApiError(409, { code: 'PRECONDITION', message: 'a project must keep at least one project admin', requestId: 'r1' }));
    const wrapper = await mountTab();
    await wrapper.find('[data-test="member-row"][data-username="ann"] [data-test="member-role-select"]').setValue('developer');
    await flushPromises();
    expect(patch).toHaveBeenCalledWith('/api/v1/projects/{name}/members/{username}', { path: { name: 'team', username: 'ann' }, body: { role: 'developer' } });
    expect(wrapper.find('[role="alert"]').text()).toContain('at least one Project Admin');
    const select = wrapper.find('[data-test="member-row"][data-username="ann"] [data-test="member-role-select"]').element as HTMLSelectElement;
    expect(select.value).toBe('project_admin');
  });
});
