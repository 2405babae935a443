import { flushPromises, mount } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi, type Mock } from 'vitest';
import { computed, ref } from 'vue';
import { api } from '@/api/client';
import type { Permission, RetentionPolicyView, RetentionRunDetail, RetentionRunView } from '@/api/types';
import { english, page, routerAt } from '@/components/admin/spec-helpers';
import { PROJECT_CONTEXT, type ProjectContext } from '@/components/project/project-context';
import { setSessionForTest } from '@/stores/session';
import RetentionTab from './RetentionTab.vue';

vi.mock('@/api/client', async (importOriginal) => {
  const actual = await importOriginal<typeof import('@/api/client')>();
  return { ...actual, api: { get: vi.fn(), post: vi.fn(), put: vi.fn(), patch: vi.fn(), delete: vi.fn() } };
});

const get = api.get as unknown as Mock;
const post = api.post as unknown as Mock;
const put = api.put as unknown as Mock;

const MAINTAINER: Permission[] = ['pull', 'push', 'delete', 'read_members', 'manage_policies'];
const DEVELOPER: Permission[] = ['pull', 'push', 'read_members'];

const SAVED: RetentionPolicyView = {
  rules: [
    {
      repositories: { include: ['**'], exclude: [] },
      tags: { include: ['v*'], exclude: [], untagged: false },
      action: { kind: 'latest_pushed', count: 5 },
      disabled: false,
    },
  ],
  schedule: '0 3 * * *',
  nextRunAt: '2030-01-02T03:00:00Z',
  updatedAt: '2025-01-01T00:00:00Z',
  updatedBy: 'ann',
};
const EMPTY: RetentionPolicyView = { rules: [], schedule: null, nextRunAt: null, updatedAt: null, updatedBy: null };

const run = (over: Partial<RetentionRunView> = {}): RetentionRunView => ({
  id: '7',
  trigger: 'manual',
  triggeredBy: 'ann',
  dryRun: true,
  status: 'running',
  startedAt: '2025-01-01T00:00:00Z',
  finishedAt: null,
  durationMs: null,
  artifactsDeleted: 0,
  tagsDeleted: 0,
  bytesFreed: 0,
  ...over,
});

const FINISHED: RetentionRunDetail = {
  ...run({ status: 'succeeded', finishedAt: '2025-01-01T00:00:02Z', durationMs: 2000, artifactsDeleted: 3, tagsDeleted: 4, bytesFreed: 3072 }),
  repositories: [
    {
      repository: 'team/app',
      bytesFreed: 1024,
      artifacts: [
        { digest: `sha256:${'a'.repeat(64)}`, tags: ['v1', 'v1.0'], pushedAt: '2024-01-01T00:00:00Z', pulledAt: null },
        { digest: `sha256:${'b'.repeat(64)}`, tags: [], pushedAt: '2024-01-02T00:00:00Z', pulledAt: '2024-06-01T00:00:00Z' },
      ],
      spared: [],
    },
    { repository: 'team/tools/ci', bytesFreed: 2048, artifacts: [{ digest: `sha256:${'c'.repeat(64)}`, tags: ['old'], pushedAt: '2024-01-03T00:00:00Z', pulledAt: null }], spared: [] },
  ],
  errors: [],
};

interface Answers {
  policy?: RetentionPolicyView;
  runs?: RetentionRunView[];
  detail?: (id: string) => RetentionRunDetail;
}

function answer({ policy = SAVED, runs = [], detail = () => FINISHED }: Answers = {}): void {
  get.mockImplementation(async (path: string, options: { path: { id?: string } }) => {
    if (path === '/api/v1/projects/{name}/retention') return policy;
    if (path === '/api/v1/projects/{name}/retention/runs') return page(runs);
    if (path === '/api/v1/projects/{name}/retention/runs/{id}') return detail(options.path.id ?? '');
    throw new Error(`unexpected GET ${path}`);
  });
}

async function mountTab(permissions: Permission[]) {
  const router = await routerAt('/projects/team/retention', '/projects/:project/retention', RetentionTab);
  const context: ProjectContext = {
    project: ref(undefined),
    reload: async () => undefined,
    permissions: ref(permissions),
    role: ref(null),
    permissionsKnown: computed(() => true),
  };
  const wrapper = mount(RetentionTab, { global: { plugins: [router, english()], provide: { [PROJECT_CONTEXT as symbol]: context } } });
  await flushPromises();
  return wrapper;
}

describe('RetentionTab', () => {
  beforeEach(() => setSessionForTest({ id: '1', username: 'ann', email: null, displayName: null, isAdmin: false }));
  afterEach(() => {
    vi.useRealTimers();
    vi.resetAllMocks();
  });

  it('builds the PUT body from the rule editor and the schedule', async () => {
    answer({ policy: EMPTY });
    put.mockImplementation(async (_path: string, options: { body: unknown }) => ({ ...EMPTY, ...(options.body as object), updatedAt: '2025-01-01T00:00:00Z', updatedBy: 'ann' }));
    const wrapper = await mountTab(MAINTAINER);
    expect(wrapper.find('[data-test="retention-no-rules"]').exists()).toBe(true);
    expect(wrapper.find('[data-test="retention-save"]').attributes('disabled')).toBeDefined();

    await wrapper.find('[data-test="retention-add-rule"]').trigger('click');
    await wrapper.find('[data-test="retention-add-rule"]').trigger('click');
    const [first, second] = wrapper.findAll('[data-test="retention-rule"]');
    await first.find('input[data-test="retention-rule-repos-exclude"]').setValue('tmp/** sandbox');
    await first.find('input[data-test="retention-rule-tags-include"]').setValue('v* , release-{a,b}');
    await first.find('input[data-test="retention-rule-tags-exclude"]').setValue('dev-*');
    await first.find('[data-test="retention-rule-untagged"]').setValue(true);
    await first.find('[data-test="retention-rule-action"]').setValue('pulled_within_days');
    const amount = first.find('[data-test="retention-rule-amount"] input');
    await amount.setValue('14');
    await amount.trigger('change');
    await second.find('[data-test="retention-rule-action"]').setValue('always');
    await second.find('[data-test="retention-rule-enabled"]').setValue(false);
    await wrapper.find('[data-test="retention-schedule-preset"][data-cron="0 3 * * 0"]').trigger('click');

    expect(wrapper.find('[data-test="retention-unsaved"]').exists()).toBe(true);
    await wrapper.find('form').trigger('submit');
    await flushPromises();

    expect(put).toHaveBeenCalledWith('/api/v1/projects/{name}/retention', {
      path: { name: 'team' },
      body: {
        rules: [
          {
            repositories: { include: ['**'], exclude: ['tmp/**', 'sandbox'] },
            tags: { include: ['v*', 'release-{a,b}'], exclude: ['dev-*'], untagged: true },
            action: { kind: 'pulled_within_days', days: 14 },
            disabled: false,
          },
          { repositories: { include: ['**'], exclude: [] }, tags: { include: ['**'], exclude: [], untagged: false }, action: { kind: 'always' }, disabled: true },
        ],
        schedule: '0 3 * * 0',
      },
    });
    // Saved: the form matches the server again.
    expect(wrapper.find('[data-test="retention-unsaved"]').exists()).toBe(false);
  });

  it('starts a dry run, polls it every second, and shows the preview with the bytes summed', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let polls = 0;
    answer({ detail: () => (++polls < 2 ? { ...FINISHED, ...run({ artifactsDeleted: 1 }), repositories: [], errors: [] } : FINISHED) });
    post.mockResolvedValue(run());
    const wrapper = await mountTab(MAINTAINER);
    expect(wrapper.find('[data-test="retention-rule"]').exists()).toBe(true);

    await wrapper.find('[data-test="retention-dry-run"]').trigger('click');
    await flushPromises();
    expect(post).toHaveBeenCalledWith('/api/v1/projects/{name}/retention/runs', { path: { name: 'team' }, body: { dryRun: true } });
    expect(wrapper.find('[data-test="retention-status"]').attributes('data-status')).toBe('running');
    expect(wrapper.find('[data-test="retention-run"]').attributes('disabled')).toBeDefined();

    const runGets = () => get.mock.calls.filter(([path]) => path === '/api/v1/projects/{name}/retention/runs/{id}').length;
    expect(runGets()).toBe(0);
    await vi.advanceTimersByTimeAsync(1000);
    expect(runGets()).toBe(1);
    expect(wrapper.find('[data-test="retention-preview"]').exists()).toBe(false);
    await vi.advanceTimersByTimeAsync(1000);
    expect(runGets()).toBe(2);

    const preview = wrapper.find('[data-test="retention-preview"]');
    expect(preview.exists()).toBe(true);
    expect(preview.findAll('[data-test="retention-preview-repository"]').map((r) => r.attributes('data-repository'))).toEqual(['team/app', 'team/tools/ci']);
    expect(preview.findAll('[data-test="retention-preview-artifact"]')).toHaveLength(3);
    const total = preview.find('[data-test="retention-preview-total"]');
    expect(total.attributes('data-bytes')).toBe('3072');
    expect(total.text()).toContain('3 artifacts');
    expect(total.text()).toContain('3 KiB');
    expect(preview.find('[data-test="retention-preview-summary"]').text()).toBe('Would be deleted: 3 artifacts, 3 KiB');
    expect(preview.text()).toContain('sha256:aaaaaaaaaaaa');
    expect(preview.text()).toContain('untagged');
    expect(wrapper.find('[data-test="retention-status"]').text()).toContain('3 artifacts (4 tags) would be deleted');

    // Finished: no more polling.
    await vi.advanceTimersByTimeAsync(3000);
    expect(runGets()).toBe(2);
  });

  it('asks before a real run, and sends dryRun false only once confirmed', async () => {
    answer();
    post.mockResolvedValue(run({ dryRun: false, status: 'succeeded', artifactsDeleted: 0 }));
    const wrapper = await mountTab(MAINTAINER);
    await wrapper.find('[data-test="retention-run"]').trigger('click');
    await flushPromises();
    expect(post).not.toHaveBeenCalled();
    await wrapper.find('[data-test="confirm-action"]').trigger('click');
    await flushPromises();
    expect(post).toHaveBeenCalledWith('/api/v1/projects/{name}/retention/runs', { path: { name: 'team' }, body: { dryRun: false } });
  });

  it('does not run a policy with unsaved changes', async () => {
    answer();
    const wrapper = await mountTab(MAINTAINER);
    expect(wrapper.find('[data-test="retention-dry-run"]').attributes('disabled')).toBeUndefined();
    await wrapper.find('input[data-test="retention-rule-tags-include"]').setValue('v* latest');
    expect(wrapper.find('[data-test="retention-dry-run"]').attributes('disabled')).toBeDefined();
    expect(wrapper.find('[data-test="retention-blocked"]').text()).toContain('Save your changes first');
  });

  it('shows a developer the policy and history read-only', async () => {
    answer({ runs: [run({ id: '3', status: 'succeeded', dryRun: false, artifactsDeleted: 2, tagsDeleted: 2, bytesFreed: 1536, durationMs: 4200 })] });
    const wrapper = await mountTab(DEVELOPER);
    expect(wrapper.find('[data-test="retention-readonly"]').exists()).toBe(true);
    const rule = wrapper.find('[data-test="retention-rule"]');
    expect(rule.attributes('disabled')).toBeDefined();
    expect((rule.find('input[data-test="retention-rule-tags-include"]').element as HTMLInputElement).value).toBe('v*');
    for (const name of ['retention-add-rule', 'retention-save', 'retention-dry-run', 'retention-run', 'retention-rule-remove', 'retention-schedule-preset']) {
      expect([name, wrapper.find(`[data-test="${name}"]`).exists()]).toEqual([name, false]);
    }
    const row = wrapper.find('[data-test="retention-history"] [data-test="retention-history-row"]');
    expect(row.attributes('data-status')).toBe('succeeded');
    expect(row.find('[data-test="retention-history-bytes"]').text()).toBe('1.5 KiB');
    expect(row.text()).toContain('4.2s');
  });

  it('follows a run already going when the tab opens, and opens a run with its errors from the history', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    answer({ runs: [run({ id: '9', dryRun: false })], detail: (id) => ({ ...FINISHED, id, dryRun: false, errors: ['team/app: deleting sha256:dd would take sha256:ee, which the policy keeps; nothing deleted here'] }) });
    const wrapper = await mountTab(MAINTAINER);
    expect(wrapper.find('[data-test="retention-status"]').attributes('data-status')).toBe('running');
    await vi.advanceTimersByTimeAsync(1000);
    expect(get).toHaveBeenCalledWith('/api/v1/projects/{name}/retention/runs/{id}', { path: { name: 'team', id: '9' } });
    expect(wrapper.find('[data-test="retention-status"]').attributes('data-status')).toBe('succeeded');
    // A real run shows no dry-run preview.
    expect(wrapper.find('[data-test="retention-preview"]').exists()).toBe(false);

    await wrapper.find('[data-test="retention-history-row"]').trigger('click');
    await flushPromises();
    const detail = wrapper.find('[data-test="retention-run-detail"]');
    expect(detail.find('[data-test="retention-run-errors"]').text()).toContain('which the policy keeps');
    expect(detail.find('[data-test="retention-run-repositories-total"]').attributes('data-bytes')).toBe('3072');
  });
});
