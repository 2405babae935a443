import { flushPromises, mount } from '@vue/test-utils';
import { afterEach, describe, expect, it, vi, type Mock } from 'vitest';
import { i18n } from '@/i18n';
import { api } from '@/api/client';
import type { AuditRow } from '@/api/types';
import { english, page, routerAt } from '@/components/admin/spec-helpers';
import AuditLog from './AuditLog.vue';
import { resourceText } from './audit-actions';

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

  it('says actions and resources in Chinese, keeping the code and the names', async () => {
    get.mockResolvedValue(
      page([
        row,
        { ...row, id: '2', action: 'retention.run', resource: 'retention run 7 of project team' },
        { ...row, id: '3', action: 'login', resource: 'console', project: null, projectId: null },
        { ...row, id: '4', action: 'push', resource: 'team/app:v1' },
        { ...row, id: '5', action: 'some.future', resource: 'something new' },
      ]),
    );
    const router = await routerAt('/projects/team/audit', '/projects/:project/audit', AuditLog);
    i18n.global.locale.value = 'zh-CN';
    try {
      const wrapper = mount(AuditLog, { props: { project: 'team' }, global: { plugins: [router, i18n] } });
      await flushPromises();
      const rows = wrapper.findAll('[data-test="audit-row"]');
      const cells = rows.map((r) => [`${r.get('[data-test="audit-action"] span').text()} ${r.get('[data-test="audit-action"] code').text()}`, r.get('[data-test="audit-resource"]').text()]);
      expect(cells).toEqual([
        ['添加成员 member.add', '项目 team 的成员 bob'],
        ['执行保留策略 retention.run', '项目 team 的保留策略执行 7'],
        ['登录 login', '控制台'],
        ['推送 push', 'team/app:v1'],
        ['some.future some.future', 'something new'],
      ]);
    } finally {
      i18n.global.locale.value = 'en';
    }
  });

  it('has words for every action the server records', async () => {
    const { AUDIT_ACTIONS } = await import('./audit-actions');
    for (const action of AUDIT_ACTIONS) for (const locale of ['en', 'zh-CN'] as const) expect([action, locale, i18n.global.te(`audit.actions.${action.replace(/\./g, '_')}`, locale)]).toEqual([action, locale, true]);
  });
});

describe('resourceText', () => {
  const t = i18n.global.t as unknown as (key: string, values?: Record<string, unknown>, plural?: number) => string;
  afterEach(() => {
    i18n.global.locale.value = 'en';
  });

  it('counts artifacts in the singular and the plural', () => {
    i18n.global.locale.value = 'en';
    expect(resourceText('1 artifacts: team/app@sha256:aa', t)).toBe('1 artifact: team/app@sha256:aa');
    expect(resourceText('3 artifacts: a, b, c', t)).toBe('3 artifacts: a, b, c');
  });
});
