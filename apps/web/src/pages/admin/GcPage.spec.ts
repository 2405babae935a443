import { flushPromises, mount } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi, type Mock } from 'vitest';
import { api, ApiError } from '@/api/client';
import type { GcRunDetail, GcRunView, GcSchedule } from '@/api/types';
import { english, page, routerAt } from '@/components/admin/spec-helpers';
import { setSessionForTest } from '@/stores/session';
import GcPage from './GcPage.vue';

vi.mock('@/api/client', async (importOriginal) => {
  const actual = await importOriginal<typeof import('@/api/client')>();
  return { ...actual, api: { get: vi.fn(), post: vi.fn(), put: vi.fn(), patch: vi.fn(), delete: vi.fn() } };
});

const get = api.get as unknown as Mock;
const post = api.post as unknown as Mock;
const put = api.put as unknown as Mock;

const SCHEDULE: GcSchedule = { cron: null, nextRunAt: null, deleteUntagged: false, workers: 4, graceSeconds: 3600, uploadMaxAgeSeconds: 86400 };

const run = (over: Partial<GcRunDetail> = {}): GcRunDetail => ({
  id: '12',
  trigger: 'manual',
  triggeredBy: 'root',
  dryRun: false,
  deleteUntagged: false,
  workers: 4,
  status: 'running',
  phase: 'sweep',
  done: 5,
  total: 10,
  bytesFreed: 2048,
  blobsDeleted: 5,
  manifestsDeleted: 0,
  uploadsDeleted: 0,
  orphansDeleted: 0,
  rescued: 1,
  stopRequested: false,
  error: null,
  startedAt: '2025-01-01T00:00:00Z',
  finishedAt: null,
  durationMs: null,
  log: [{ at: '2025-01-01T00:00:00.000Z', level: 'info', message: 'run started (4 workers, grace 3600 s)' }],
  ...over,
});

const view = (detail: GcRunDetail): GcRunView => {
  const { log: _log, ...rest } = detail;
  return rest;
};

function answer(runs: GcRunView[], detail: (id: string) => GcRunDetail = (id) => run({ id })): void {
  get.mockImplementation(async (path: string, options?: { path?: { id?: string } }) => {
    if (path === '/api/v1/system/gc/schedule') return SCHEDULE;
    if (path === '/api/v1/system/gc/runs') return page(runs);
    if (path === '/api/v1/system/gc/runs/{id}') return detail(options?.path?.id ?? '');
    throw new Error(`unexpected GET ${path}`);
  });
}

async function mountPage() {
  const router = await routerAt('/admin/gc', '/admin/gc', GcPage);
  const wrapper = mount(GcPage, { global: { plugins: [router, english()] } });
  await flushPromises();
  return wrapper;
}

const runGets = () => get.mock.calls.filter(([path]) => path === '/api/v1/system/gc/runs/{id}').length;

describe('GcPage', () => {
  beforeEach(() => setSessionForTest({ id: '1', username: 'root', email: null, displayName: null, isAdmin: true }));
  afterEach(() => {
    vi.useRealTimers();
    vi.resetAllMocks();
  });

  it('lists the history with what each run freed, and opens a run with its log', async () => {
    const done = run({ id: '4', status: 'succeeded', phase: 'done', bytesFreed: 5 * 1024 * 1024, blobsDeleted: 7, manifestsDeleted: 2, uploadsDeleted: 3, orphansDeleted: 1, durationMs: 200_000, finishedAt: '2025-01-01T00:03:20Z' });
    answer([view(done), view(run({ id: '3', status: 'stopped', trigger: 'schedule', triggeredBy: null, dryRun: true }))], () => ({
      ...done,
      log: [
        { at: '2025-01-01T00:00:00.000Z', level: 'info', message: 'run started' },
        { at: '2025-01-01T00:03:20.000Z', level: 'warn', message: 'stopped on request' },
      ],
    }));
    const wrapper = await mountPage();
    const rows = wrapper.findAll('[data-test="gc-history"] [data-test="gc-history-row"]');
    expect(rows.map((r) => [r.attributes('data-id'), r.attributes('data-status')])).toEqual([
      ['4', 'succeeded'],
      ['3', 'stopped'],
    ]);
    expect(rows[0].find('[data-test="gc-bytes-freed"]').text()).toBe('5 MiB');
    expect(rows[0].text()).toContain('3m 20s');
    expect(rows[1].text()).toContain('Schedule');
    expect(rows[1].text()).toContain('scheduler');
    expect(rows[1].text()).toContain('Dry run');
    expect(wrapper.find('[data-test="gc-progress"]').exists()).toBe(false);

    await rows[0].trigger('click');
    await flushPromises();
    const lines = wrapper.findAll('[data-test="gc-run-log"] [data-test="gc-log-line"]');
    expect(lines.map((l) => l.attributes('data-level'))).toEqual(['info', 'warn']);
    expect(lines[1].text()).toContain('stopped on request');
  });

  it('starts a dry run, polls it every second with its progress, and stops polling when it ends', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let polls = 0;
    answer([], (id) =>
      ++polls < 2 ? run({ id, dryRun: true, phase: 'sweep', done: 8, total: 10, bytesFreed: 4096 }) : run({ id, dryRun: true, status: 'succeeded', phase: 'done', bytesFreed: 8192, durationMs: 2000 }),
    );
    post.mockResolvedValue(run({ dryRun: true, phase: 'mark', done: 0, total: 0, bytesFreed: 0 }));
    const wrapper = await mountPage();

    await wrapper.find('[data-test="gc-run"]').trigger('click');
    await flushPromises();
    expect(post).toHaveBeenCalledWith('/api/v1/system/gc/runs', { body: { dryRun: true, deleteUntagged: false } });
    let progress = wrapper.find('[data-test="gc-progress"]');
    expect(progress.find('[data-test="gc-phase"]').text()).toBe('Marking unreferenced blobs');
    expect(progress.find('[role="progressbar"]').classes()).toContain('indeterminate');
    expect(wrapper.find('[data-test="gc-run"]').attributes('disabled')).toBeDefined();

    expect(runGets()).toBe(0);
    await vi.advanceTimersByTimeAsync(1000);
    expect(runGets()).toBe(1);
    progress = wrapper.find('[data-test="gc-progress"]');
    expect(progress.find('[data-test="gc-phase"]').text()).toBe('Deleting blobs');
    expect(progress.find('[data-test="gc-items"]').text()).toBe('8 of 10 items');
    expect(progress.find('[role="progressbar"]').attributes('aria-valuenow')).toBe('8');
    expect(progress.find('[data-test="gc-progress-bytes"]').text()).toBe('4 KiB');

    await vi.advanceTimersByTimeAsync(1000);
    expect(runGets()).toBe(2);
    expect(wrapper.find('[data-test="gc-progress"]').exists()).toBe(false);
    expect(wrapper.find('[data-test="gc-result"]').text()).toContain('Dry run finished: 8 KiB would be freed.');
    await vi.advanceTimersByTimeAsync(3000);
    expect(runGets()).toBe(2);
  });

  it('follows a run that is already going, and asks it to stop', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    answer([view(run({ id: '20' }))]);
    post.mockResolvedValue(run({ id: '20', stopRequested: true }));
    const wrapper = await mountPage();
    expect(wrapper.find('[data-test="gc-progress"]').exists()).toBe(true);
    await vi.advanceTimersByTimeAsync(1000);
    expect(get).toHaveBeenCalledWith('/api/v1/system/gc/runs/{id}', { path: { id: '20' } });

    await wrapper.find('[data-test="gc-stop"]').trigger('click');
    await flushPromises();
    expect(post).toHaveBeenCalledWith('/api/v1/system/gc/runs/{id}/stop', { path: { id: '20' } });
    expect(wrapper.find('[data-test="gc-stop"]').text()).toBe('Stopping…');
    expect(wrapper.find('[data-test="gc-stop"]').attributes('disabled')).toBeDefined();
  });

  it('follows the run the server names when one is going already (409)', async () => {
    answer([]);
    post.mockRejectedValue(new ApiError(409, { code: 'CONFLICT', message: 'garbage collection is already running (run 31)', details: { runId: '31' }, requestId: 'r' }));
    const wrapper = await mountPage();
    await wrapper.find('[data-test="gc-run"]').trigger('click');
    await flushPromises();
    expect(wrapper.find('[role="alert"]').text()).toContain('already running');
    expect(get).toHaveBeenCalledWith('/api/v1/system/gc/runs/{id}', { path: { id: '31' } });
    expect(wrapper.find('[data-test="gc-progress"]').exists()).toBe(true);
  });

  it('starts as a dry run: the first click deletes nothing and asks nothing', async () => {
    answer([]);
    post.mockResolvedValue(run({ dryRun: true }));
    const wrapper = await mountPage();
    expect(wrapper.find('[data-test="gc-dry-run"]').classes()).toContain('is-checked');
    expect(wrapper.find('[data-test="gc-run"]').text()).toBe('Start dry run');
    await wrapper.find('[data-test="gc-run"]').trigger('click');
    await flushPromises();
    expect(wrapper.find('[data-test="confirm-action"]').exists()).toBe(false);
    expect(post).toHaveBeenCalledWith('/api/v1/system/gc/runs', { body: { dryRun: true, deleteUntagged: false } });
  });

  it('asks before any real run, and starts nothing when the question is cancelled', async () => {
    answer([]);
    post.mockResolvedValue(run());
    const wrapper = await mountPage();
    await wrapper.find('[data-test="gc-dry-run"]').trigger('click');
    await wrapper.find('[data-test="gc-run"]').trigger('click');
    await flushPromises();
    expect(post).not.toHaveBeenCalled();
    expect(wrapper.text()).toContain('Run garbage collection for real?');
    const dialog = wrapper.findComponent({ name: 'ElDialog' });
    dialog.vm.$emit('close');
    await flushPromises();
    expect(post).not.toHaveBeenCalled();
    await wrapper.find('[data-test="gc-run"]').trigger('click');
    await flushPromises();
    await wrapper.find('[data-test="confirm-action"]').trigger('click');
    await flushPromises();
    expect(post).toHaveBeenCalledWith('/api/v1/system/gc/runs', { body: { dryRun: false, deleteUntagged: false } });
  });

  it('asks before a real run that deletes untagged manifests', async () => {
    answer([]);
    post.mockResolvedValue(run({ deleteUntagged: true }));
    const wrapper = await mountPage();
    await wrapper.find('[data-test="gc-dry-run"]').trigger('click');
    await wrapper.find('[data-test="gc-delete-untagged"]').trigger('click');
    await wrapper.find('[data-test="gc-run"]').trigger('click');
    await flushPromises();
    expect(post).not.toHaveBeenCalled();
    await wrapper.find('[data-test="confirm-action"]').trigger('click');
    await flushPromises();
    expect(post).toHaveBeenCalledWith('/api/v1/system/gc/runs', { body: { dryRun: false, deleteUntagged: true } });
  });

  it('shows the safety windows and saves a schedule from a preset', async () => {
    answer([]);
    put.mockResolvedValue({ ...SCHEDULE, cron: '0 3 * * 0', nextRunAt: '2030-01-06T03:00:00Z', deleteUntagged: true });
    const wrapper = await mountPage();
    expect(wrapper.find('[data-test="gc-windows"]').text()).toContain('in the last 1 hour are never collected');
    expect(wrapper.find('[data-test="gc-windows"]').text()).toContain('more than 1 day are removed');
    expect(wrapper.find('[data-test="gc-schedule-cron-next"]').text()).toContain('only when started by hand');

    await wrapper.find('[data-test="gc-schedule-cron-preset"][data-cron="0 3 * * 0"]').trigger('click');
    await wrapper.find('[data-test="gc-schedule-delete-untagged"]').trigger('click');
    await wrapper.find('[data-test="gc-schedule"]').trigger('submit');
    await flushPromises();
    expect(put).toHaveBeenCalledTimes(1);
    expect(put).toHaveBeenCalledWith('/api/v1/system/gc/schedule', { body: { cron: '0 3 * * 0', deleteUntagged: true, workers: 4 } });
    expect(wrapper.find('[data-test="gc-schedule-cron-next"]').text()).toContain('Next run');
  });
});
