import { flushPromises, mount } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createMemoryHistory, createRouter } from 'vue-router';
import { ApiError } from '@/api/client';
import type { ImportJob } from '@/api/types';
import type { UploadProgress } from '@/api/upload';
import { i18n } from '@/i18n';
import ImportArchiveDialog from './ImportArchiveDialog.vue';

const { get, post, uploadArchive } = vi.hoisted(() => ({ get: vi.fn(), post: vi.fn(), uploadArchive: vi.fn() }));
vi.mock('@/api/client', async (importOriginal) => ({
  ...(await importOriginal<typeof import('@/api/client')>()),
  api: { get, post, put: vi.fn(), patch: vi.fn(), delete: vi.fn() },
}));
vi.mock('@/api/upload', () => ({ uploadArchive }));

const GET = '/api/v1/projects/{name}/imports/{id}';
const NAMES = '/api/v1/projects/{name}/imports/{id}/names';

function job(extra: Partial<ImportJob> = {}): ImportJob {
  return {
    id: 'job-1',
    project: 'team',
    status: 'importing',
    createdBy: 'admin',
    bytesRead: 3000,
    bytesTotal: 3000,
    imagesTotal: 1,
    imagesDone: 0,
    layersTotal: 2,
    layersDone: 0,
    format: 'docker-classic',
    compression: 'none',
    error: null,
    createdAt: '2026-01-01T00:00:00Z',
    updatedAt: '2026-01-01T00:00:00Z',
    finishedAt: null,
    images: [],
    result: null,
    ...extra,
  } as ImportJob;
}

function image(index: number, extra: Partial<ImportJob['images'][number]> = {}): ImportJob['images'][number] {
  return { index, kind: 'image', mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${String(index).repeat(64)}`, rewrittenFrom: null, sourceNames: [], suggestedTag: null, targets: [], platforms: ['linux/amd64'], size: 10, layers: 1, ...extra };
}

async function open(props: { repository?: string } = {}) {
  i18n.global.locale.value = 'en';
  const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/:rest(.*)*', component: { template: '<div />' } }] });
  const wrapper = mount(ImportArchiveDialog, { props: { open: true, project: 'team', ...props }, global: { plugins: [i18n, router] } });
  await flushPromises();
  return wrapper;
}

/** Picks `file` in the file input, as the browser does. */
async function pick(wrapper: Awaited<ReturnType<typeof open>>, file: File): Promise<void> {
  const input = wrapper.get('[data-test="import-file"]');
  Object.defineProperty(input.element, 'files', { value: [file], configurable: true });
  await input.trigger('change');
}

const archive = () => new File([new Uint8Array(3000)], 'app.tar', { type: 'application/x-tar' });

beforeEach(() => {
  get.mockReset();
  post.mockReset();
  uploadArchive.mockReset();
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('ImportArchiveDialog', () => {
  it("sends the page's repository, left as offered, for unnamed images only; typed over, as the target asked for", async () => {
    uploadArchive.mockResolvedValue(job({ status: 'succeeded' }));
    const wrapper = await open({ repository: 'team/app' });
    await pick(wrapper, archive());
    await wrapper.get('[data-test="import-start"]').trigger('click');
    await flushPromises();
    expect(uploadArchive).toHaveBeenLastCalledWith('team', expect.any(File), { repository: 'team/app', tag: '', onlyUnnamed: true }, expect.any(Function), expect.any(AbortSignal));
  });

  it('uploads the picked file with the target, shows bytes sent, then polls the job every second until it ends', async () => {
    let report!: (p: UploadProgress) => void;
    let answer!: (job: ImportJob) => void;
    uploadArchive.mockImplementation((_project, _file, _options, onProgress) => {
      report = onProgress;
      return new Promise((resolve) => (answer = resolve));
    });
    const wrapper = await open({ repository: 'app' });
    expect(wrapper.get('[data-test="import-start"]').attributes('disabled')).toBeDefined();
    await pick(wrapper, archive());
    expect(wrapper.get('[data-test="import-file-name"]').text()).toContain('app.tar');
    await wrapper.get('[data-test="import-tag"]').setValue('1.0');
    await wrapper.get('[data-test="import-start"]').trigger('click');
    await flushPromises();
    expect(uploadArchive).toHaveBeenCalledWith('team', expect.any(File), { repository: 'app', tag: '1.0' }, expect.any(Function), expect.any(AbortSignal));

    report({ sent: 1200, total: 3000 });
    await flushPromises();
    const bar = wrapper.get('[data-test="import-upload-progress"]');
    expect([bar.attributes('data-sent'), bar.attributes('data-total')]).toEqual(['1200', '3000']);
    expect(wrapper.get('[data-test="import-upload"]').text()).toContain('(40%)');

    get.mockResolvedValueOnce(job({ layersDone: 1 }));
    get.mockResolvedValueOnce(
      job({ status: 'succeeded', imagesDone: 1, layersDone: 2, result: { tags: [{ repository: 'team/app', tag: '1.0', digest: 'sha256:x', mediaType: 'm' }], notes: ['layers compressed'] } }),
    );
    answer(job());
    await flushPromises();
    expect(wrapper.get('[data-test="import-job"]').attributes('data-status')).toBe('importing');
    expect(wrapper.get('[data-test="import-layers"]').text()).toBe('0 of 2');
    expect(get).not.toHaveBeenCalled();

    await vi.advanceTimersByTimeAsync(1000);
    expect(get).toHaveBeenCalledWith(GET, { path: { name: 'team', id: 'job-1' } });
    expect(wrapper.get('[data-test="import-layers"]').text()).toBe('1 of 2');

    await vi.advanceTimersByTimeAsync(1000);
    expect(wrapper.get('[data-test="import-job"]').attributes('data-status')).toBe('succeeded');
    const link = wrapper.get('[data-test="import-result-tag"]');
    expect(link.attributes('href')).toBe('/projects/team/repositories/app/-/artifacts/1.0');
    expect(link.text()).toBe('team/app:1.0');
    expect(wrapper.get('[data-test="import-result-tags"]').attributes('href')).toBe('/projects/team/repositories/app/-/tags');
    expect(wrapper.get('[data-test="import-notes"]').text()).toContain('layers compressed');
    expect(wrapper.emitted('imported')).toHaveLength(1);

    await vi.advanceTimersByTimeAsync(5000);
    expect(get).toHaveBeenCalledTimes(2);
  });

  it('sends the names typed for a job awaiting them, then follows the job', async () => {
    uploadArchive.mockResolvedValue(
      job({
        status: 'awaiting_names',
        imagesTotal: 2,
        images: [image(0, { suggestedTag: '2.0' }), image(1, { targets: [{ repository: 'team/other', tag: 'v1' }] })],
      }),
    );
    post.mockResolvedValue(job({ status: 'importing' }));
    get.mockResolvedValue(job({ status: 'failed', error: 'quota exceeded: 10 MiB' }));
    const wrapper = await open();
    await pick(wrapper, archive());
    await wrapper.get('[data-test="import-start"]').trigger('click');
    await flushPromises();

    const rows = wrapper.findAll('[data-test="import-name-row"]');
    expect(rows).toHaveLength(2);
    const submit = () => wrapper.get('[data-test="import-names-submit"]');
    // The first image has a suggested tag but no repository: it must be named first.
    expect(submit().attributes('disabled')).toBeDefined();
    expect((rows[0].get('[data-test="import-name-tag"]').element as HTMLInputElement).value).toBe('2.0');
    await rows[0].get('[data-test="import-name-repository"]').setValue(' app ');
    await rows[1].get('[data-test="import-name-tag"]').setValue('v2');
    await wrapper.get('[data-test="import-names"]').trigger('submit');
    await flushPromises();
    expect(post).toHaveBeenCalledWith(NAMES, {
      path: { name: 'team', id: 'job-1' },
      body: { images: [{ index: 0, repository: 'app', tag: '2.0' }, { index: 1, repository: 'team/other', tag: 'v2' }] },
    });
    expect(wrapper.get('[data-test="import-job"]').attributes('data-status')).toBe('importing');

    await vi.advanceTimersByTimeAsync(1000);
    expect(wrapper.get('[data-test="import-error"]').text()).toContain('quota exceeded: 10 MiB');
    expect(wrapper.emitted('imported')).toBeUndefined();
  });

  it("shows the server's message when the upload is refused", async () => {
    uploadArchive.mockRejectedValue(new ApiError(400, { code: 'INVALID', message: 'not a tar archive: bad header checksum', requestId: 'r' } as never));
    const wrapper = await open();
    await pick(wrapper, new File(['hello'], 'notes.txt'));
    expect(wrapper.find('[data-test="import-file-warning"]').exists()).toBe(true);
    await wrapper.get('[data-test="import-start"]').trigger('click');
    await flushPromises();
    expect(wrapper.get('[role="alert"]').text()).toContain('not a tar archive: bad header checksum');
    expect(wrapper.find('[data-test="import-job"]').exists()).toBe(false);
  });

  it('shows the reasons of a refused upload, not only "invalid query"', async () => {
    const reason = 'repository "named/app" is in project named; this import goes to project team';
    uploadArchive.mockRejectedValue(new ApiError(400, { code: 'INVALID', message: 'invalid query', details: { issues: [{ path: 'query', message: reason }] }, requestId: 'r' }));
    const wrapper = await open({ repository: 'named/app' });
    await pick(wrapper, archive());
    await wrapper.get('[data-test="import-start"]').trigger('click');
    await flushPromises();
    const alert = wrapper.get('[role="alert"]');
    expect(alert.text()).toContain('invalid query');
    expect(alert.get('[data-test="error-issues"]').text()).toBe(`query: ${reason}`);
    // The form stays as it was, for another try.
    expect(wrapper.get('[data-test="import-file-name"]').text()).toContain('app.tar');
  });

  it('shows why the names were refused, and keeps the form for another try', async () => {
    const reason = 'images.0: repository "named/app" is in project named; this import goes to project team';
    uploadArchive.mockResolvedValue(job({ status: 'awaiting_names', images: [image(0)] }));
    post.mockRejectedValueOnce(new ApiError(400, { code: 'INVALID', message: 'invalid names', details: { issues: [{ path: 'images', message: reason }] }, requestId: 'r' }));
    const wrapper = await open();
    await pick(wrapper, archive());
    await wrapper.get('[data-test="import-start"]').trigger('click');
    await flushPromises();
    await wrapper.get('[data-test="import-name-repository"]').setValue('named/app');
    await wrapper.get('[data-test="import-names"]').trigger('submit');
    await flushPromises();
    // The issue's text already starts with its path: shown once, as the server wrote it.
    expect(wrapper.get('[role="alert"] [data-test="error-issues"]').text()).toBe(reason);
    expect(wrapper.get('[data-test="import-job"]').attributes('data-status')).toBe('awaiting_names');
    expect(wrapper.findAll('[data-test="import-name-row"]')).toHaveLength(1);
  });

  it("shows a failed job's own error as the upload answers it", async () => {
    uploadArchive.mockResolvedValue(job({ status: 'failed', error: 'not an image archive: no manifest.json and no index.json' }));
    const wrapper = await open();
    await pick(wrapper, archive());
    await wrapper.get('[data-test="import-start"]').trigger('click');
    await flushPromises();
    expect(wrapper.get('[data-test="import-error"]').text()).toBe('The import failed: not an image archive: no manifest.json and no index.json');
    expect(get).not.toHaveBeenCalled();
  });

  it('hides the browser\'s file input behind a translated button that opens it', async () => {
    const wrapper = await open();
    i18n.global.locale.value = 'zh-CN';
    await flushPromises();
    const input = wrapper.get('[data-test="import-file"]');
    // Still in the DOM and enabled (for the picker and setInputFiles), but out of sight and out of the tab order.
    expect(input.classes()).toContain('file-input');
    expect([input.attributes('type'), input.attributes('tabindex'), input.attributes('aria-hidden'), input.attributes('disabled')]).toEqual(['file', '-1', 'true', undefined]);
    const choose = wrapper.get('[data-test="import-choose"]');
    expect(choose.element.tagName).toBe('BUTTON');
    expect(choose.text()).toBe('选择文件');
    expect(wrapper.get('[data-test="import-drop"]').text()).toContain('或将归档文件拖放到此处');

    const opened = vi.spyOn(input.element as HTMLInputElement, 'click').mockImplementation(() => undefined);
    await choose.trigger('click');
    expect(opened).toHaveBeenCalledTimes(1);
    await wrapper.get('[data-test="import-drop"]').trigger('click');
    expect(opened).toHaveBeenCalledTimes(2);

    await pick(wrapper, archive());
    expect(wrapper.get('[data-test="import-file-name"]').text()).toBe('app.tar（2.93 KiB）');
    expect(wrapper.get('[data-test="import-choose"]').text()).toBe('更换文件');
    i18n.global.locale.value = 'en';
  });

  it('takes a dropped file', async () => {
    const wrapper = await open();
    await wrapper.get('[data-test="import-drop"]').trigger('drop', { dataTransfer: { files: [archive()] } });
    expect(wrapper.get('[data-test="import-file-name"]').text()).toContain('app.tar');
    expect(wrapper.get('[data-test="import-start"]').attributes('disabled')).toBeUndefined();
  });
});
