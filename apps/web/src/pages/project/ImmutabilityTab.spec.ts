import { flushPromises, mount } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi, type Mock } from 'vitest';
import { computed, ref } from 'vue';
import { api, ApiError } from '@/api/client';
import type { ImmutableRuleView, Permission } from '@/api/types';
import { english, page, routerAt } from '@/components/admin/spec-helpers';
import { PROJECT_CONTEXT, type ProjectContext } from '@/components/project/project-context';
import { setSessionForTest } from '@/stores/session';
import ImmutabilityTab from './ImmutabilityTab.vue';

vi.mock('@/api/client', async (importOriginal) => {
  const actual = await importOriginal<typeof import('@/api/client')>();
  return { ...actual, api: { get: vi.fn(), post: vi.fn(), put: vi.fn(), patch: vi.fn(), delete: vi.fn() } };
});

const get = api.get as unknown as Mock;
const post = api.post as unknown as Mock;
const put = api.put as unknown as Mock;
const del = api.delete as unknown as Mock;

const rule = (id: string, over: Partial<ImmutableRuleView> = {}): ImmutableRuleView => ({
  id,
  repositories: { include: ['**'], exclude: [] },
  tags: { include: ['v*.*.*'], exclude: [] },
  disabled: false,
  description: `rule ${id}`,
  createdBy: 'ann',
  createdAt: '2025-01-01T00:00:00Z',
  ...over,
});

async function mountTab(permissions: Permission[], rules: ImmutableRuleView[]) {
  get.mockImplementation(async (path: string) => {
    if (path === '/api/v1/projects/{name}/immutable-rules') return page(rules);
    throw new Error(`unexpected GET ${path}`);
  });
  const router = await routerAt('/projects/team/immutability', '/projects/:project/immutability', ImmutabilityTab);
  const context: ProjectContext = { project: ref(undefined), reload: async () => undefined, permissions: ref(permissions), role: ref(null), permissionsKnown: computed(() => true) };
  const wrapper = mount(ImmutabilityTab, { global: { plugins: [router, english()], provide: { [PROJECT_CONTEXT as symbol]: context } } });
  await flushPromises();
  return wrapper;
}

const MAINTAINER: Permission[] = ['pull', 'push', 'delete', 'read_members', 'manage_policies'];

describe('ImmutabilityTab', () => {
  beforeEach(() => setSessionForTest({ id: '1', username: 'ann', email: null, displayName: null, isAdmin: false }));
  afterEach(() => vi.resetAllMocks());

  it('says what immutable means, and shows a guest the rules without controls', async () => {
    const wrapper = await mountTab(['pull'], [rule('1', { repositories: { include: ['app/**'], exclude: ['app/dev'] }, disabled: true })]);
    expect(wrapper.find('[data-test="immutable-explain"]').text()).toBe('An immutable tag cannot be overwritten by a push, deleted by hand or removed by retention.');
    const row = wrapper.find('[data-test="immutable-rule"]');
    expect(row.attributes('data-disabled')).toBe('true');
    expect(row.text()).toContain('app/**');
    expect(row.text()).toContain('app/dev');
    expect(row.text()).toContain('v*.*.*');
    for (const name of ['immutable-add', 'immutable-edit', 'immutable-toggle', 'immutable-delete']) {
      expect([name, wrapper.find(`[data-test="${name}"]`).exists()]).toEqual([name, false]);
    }
  });

  it('shows the empty state', async () => {
    const wrapper = await mountTab(MAINTAINER, []);
    expect(wrapper.find('[data-test="immutable-empty"]').exists()).toBe(true);
    expect(wrapper.find('[data-test="immutable-add"]').exists()).toBe(true);
  });

  it('adds a rule from the dialog with the patterns split as typed', async () => {
    post.mockResolvedValue(rule('2'));
    const wrapper = await mountTab(MAINTAINER, []);
    await wrapper.find('[data-test="immutable-add"]').trigger('click');
    await flushPromises();
    const save = () => wrapper.find('[data-test="immutable-save"]');
    // The tag patterns start empty: a rule protecting every tag must be asked for.
    expect(save().attributes('disabled')).toBeDefined();
    await wrapper.find('input[data-test="immutable-repos-exclude"]').setValue('sandbox/**');
    await wrapper.find('input[data-test="immutable-tags-include"]').setValue('v*.*.*, {release,stable}-*');
    await wrapper.find('input[data-test="immutable-tags-exclude"]').setValue('*-rc*');
    await save().trigger('click');
    await flushPromises();
    expect(post).toHaveBeenCalledWith('/api/v1/projects/{name}/immutable-rules', {
      path: { name: 'team' },
      body: { repositories: { include: ['**'], exclude: ['sandbox/**'] }, tags: { include: ['v*.*.*', '{release,stable}-*'], exclude: ['*-rc*'] }, disabled: false },
    });
    expect(get).toHaveBeenCalledTimes(2);
  });

  it('edits, disables and deletes a rule', async () => {
    put.mockResolvedValue(rule('5'));
    del.mockResolvedValue(undefined);
    const wrapper = await mountTab(MAINTAINER, [rule('5', { tags: { include: ['v*'], exclude: ['v0*'] } })]);

    await wrapper.find('[data-test="immutable-edit"]').trigger('click');
    await flushPromises();
    const tags = wrapper.find('input[data-test="immutable-tags-include"]');
    expect((tags.element as HTMLInputElement).value).toBe('v*');
    expect((wrapper.find('input[data-test="immutable-tags-exclude"]').element as HTMLInputElement).value).toBe('v0*');
    await tags.setValue('v* release-*');
    await wrapper.find('[data-test="immutable-enabled"]').setValue(false);
    await wrapper.find('[data-test="immutable-save"]').trigger('click');
    await flushPromises();
    expect(put).toHaveBeenLastCalledWith('/api/v1/projects/{name}/immutable-rules/{id}', {
      path: { name: 'team', id: '5' },
      body: { repositories: { include: ['**'], exclude: [] }, tags: { include: ['v*', 'release-*'], exclude: ['v0*'] }, disabled: true },
    });

    await wrapper.find('[data-test="immutable-toggle"]').trigger('click');
    await flushPromises();
    expect(put).toHaveBeenLastCalledWith('/api/v1/projects/{name}/immutable-rules/{id}', {
      path: { name: 'team', id: '5' },
      body: { repositories: { include: ['**'], exclude: [] }, tags: { include: ['v*'], exclude: ['v0*'] }, disabled: true },
    });

    await wrapper.find('[data-test="immutable-delete"]').trigger('click');
    await flushPromises();
    expect(del).not.toHaveBeenCalled();
    await wrapper.find('[data-test="confirm-delete"]').trigger('click');
    await flushPromises();
    expect(del).toHaveBeenCalledWith('/api/v1/projects/{name}/immutable-rules/{id}', { path: { name: 'team', id: '5' } });
  });

  it('shows why the server refused a rule, in the dialog', async () => {
    post.mockRejectedValue(new ApiError(409, { code: 'CONFLICT', message: 'an identical immutability rule exists already', requestId: 'r' }));
    const wrapper = await mountTab(MAINTAINER, []);
    await wrapper.find('[data-test="immutable-add"]').trigger('click');
    await wrapper.find('input[data-test="immutable-tags-include"]').setValue('v*');
    await wrapper.find('[data-test="immutable-save"]').trigger('click');
    await flushPromises();
    expect(wrapper.find('[data-test="immutable-dialog"] [role="alert"]').text()).toContain('an identical immutability rule exists already');
  });

  it('offers no new rule once the project has 15', async () => {
    const wrapper = await mountTab(MAINTAINER, Array.from({ length: 15 }, (_, i) => rule(String(i + 1), { tags: { include: [`t${i}`], exclude: [] } })));
    expect(wrapper.findAll('[data-test="immutable-rule"]')).toHaveLength(15);
    expect(wrapper.find('[data-test="immutable-add"]').attributes('disabled')).toBeDefined();
  });
});
