import { flushPromises, mount } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createMemoryHistory, createRouter } from 'vue-router';
import { api, ApiError } from '@/api/client';
import type { ArtifactDetail, Permission } from '@/api/types';
import { artifactDetail } from '@/components/repository/testing';
import { i18n } from '@/i18n';
import { routes } from '@/router';
import { setSessionForTest } from '@/stores/session';
import ArtifactPage from './ArtifactPage.vue';

vi.mock('@/api/client', async (importOriginal) => {
  const actual = await importOriginal<typeof import('@/api/client')>();
  return { ...actual, api: { get: vi.fn(), post: vi.fn(), put: vi.fn(), patch: vi.fn(), delete: vi.fn() } };
});
const get = vi.mocked(api.get);
const post = vi.mocked(api.post);
const del = vi.mocked(api.delete);

const USER = { id: '1', username: 'dev', email: null, displayName: null, isAdmin: false };
const SYSTEM = { version: 'test', publicUrl: 'http://berth.test', registryHost: 'berth.test:5000', selfRegistration: false, projectCreation: 'admins' as const, authMode: 'database' as const };
const DIGEST = `sha256:${'b'.repeat(64)}`;
const CHILD_AMD = `sha256:${'1'.repeat(64)}`;
const CHILD_ARM = `sha256:${'2'.repeat(64)}`;
const ATTESTATION = `sha256:${'3'.repeat(64)}`;

let permissions: Permission[] = [];
let artifact: ArtifactDetail;

async function mountAt(url: string) {
  const router = createRouter({ history: createMemoryHistory(), routes });
  await router.push(url);
  const wrapper = mount(ArtifactPage, { global: { plugins: [router, i18n] }, attachTo: document.body });
  await flushPromises();
  return { wrapper, router };
}

beforeEach(() => {
  i18n.global.locale.value = 'en';
  permissions = [];
  setSessionForTest(USER, SYSTEM);
  artifact = artifactDetail({
    digest: DIGEST,
    config: {
      created: '2025-05-01T00:00:00Z',
      entrypoint: ['/bin/app'],
      cmd: ['--port', '8080'],
      env: ['PATH=/usr/bin'],
      exposedPorts: ['8080/tcp'],
      workingDir: '/srv',
      user: 'app',
      volumes: [],
      labels: { maintainer: 'team@example.com' },
      history: [
        { created: '2025-05-01T00:00:00Z', createdBy: 'ADD rootfs.tar /', emptyLayer: false },
        { createdBy: 'ENV MODE=prod', emptyLayer: true },
      ],
    },
    layers: [{ digest: `sha256:${'c'.repeat(64)}`, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', size: 2048, annotations: {} }],
    annotations: {
      'org.opencontainers.image.source': 'https://github.com/example/app',
      'org.opencontainers.image.documentation': 'javascript:alert(1)',
      'org.opencontainers.image.licenses': 'Apache-2.0',
      'com.example.team': 'platform',
    },
    referrers: [{ digest: `sha256:${'d'.repeat(64)}`, mediaType: 'application/vnd.oci.image.manifest.v1+json', kind: 'signature', artifactType: 'application/vnd.dev.cosign.artifact.sig.v1+json', size: 300, pushedAt: '2025-05-02T00:00:00Z', annotations: {}, tag: null }],
    parents: [{ digest: `sha256:${'e'.repeat(64)}`, tags: ['latest'] }],
  });
  for (const fn of [get, post, del]) fn.mockReset();
  get.mockImplementation(async (path: string) => {
    if (path === '/api/v1/me/permissions') return { project: 'library', role: null, permissions };
    if (path === '/api/v1/projects/{name}/repositories/{path}/-/artifacts/{reference}') return artifact;
    throw new Error(`unexpected GET ${path}`);
  });
});
afterEach(() => {
  document.body.innerHTML = '';
});

describe('ArtifactPage', () => {
  it('shows what the artifact is, how it runs and what is attached to it', async () => {
    const { wrapper } = await mountAt(`/projects/library/repositories/app/api/-/artifacts/${DIGEST}`);
    expect(get).toHaveBeenCalledWith('/api/v1/projects/{name}/repositories/{path}/-/artifacts/{reference}', { path: { name: 'library', path: 'app/api', reference: DIGEST } });
    expect(wrapper.get('[data-test=artifact-digest]').text()).toBe(DIGEST);
    expect(wrapper.get('[data-test=config-entrypoint]').text()).toContain('["/bin/app"]');
    expect(wrapper.get('[data-test=config-env]').text()).toContain('PATH=/usr/bin');
    expect(wrapper.findAll('[data-test=artifact-layer]')).toHaveLength(1);
    expect(wrapper.get('[data-test=artifact-layers] tfoot').text()).toContain('1 layer in total');
    expect(wrapper.findAll('[data-test=history-step]')).toHaveLength(2);
    expect(wrapper.get('[data-test=annotation-source] a').attributes('href')).toBe('https://github.com/example/app');
    // An annotation is data from whoever pushed: a javascript: URL stays text.
    expect(wrapper.find('[data-test=annotation-documentation] a').exists()).toBe(false);
    expect(wrapper.get('[data-test=annotation-documentation]').text()).toContain('javascript:alert(1)');
    expect(wrapper.get('[data-test=annotation-other]').text()).toContain('com.example.team');
    expect(wrapper.get('[data-test=artifact-referrer]').attributes('data-kind')).toBe('signature');
    expect(wrapper.get('[data-test=artifact-parents] a').attributes('href')).toBe(`/projects/library/repositories/app/api/-/artifacts/sha256:${'e'.repeat(64)}`);
  });

  it('lists an index platforms with links, and attestations with the image they attest', async () => {
    artifact = artifactDetail({
      digest: DIGEST,
      kind: 'index',
      mediaType: 'application/vnd.oci.image.index.v1+json',
      children: [
        { digest: CHILD_AMD, os: 'linux', architecture: 'amd64', variant: null, attestation: false, totalSize: 100, mediaType: 'm', size: 1, present: true, kind: 'image', attests: null },
        { digest: CHILD_ARM, os: 'linux', architecture: 'arm64', variant: 'v8', attestation: false, totalSize: 100, mediaType: 'm', size: 1, present: true, kind: 'image', attests: null },
        { digest: ATTESTATION, os: null, architecture: null, variant: null, attestation: true, totalSize: 10, mediaType: 'm', size: 1, present: true, kind: 'attestation', attests: CHILD_ARM },
      ],
    });
    const { wrapper } = await mountAt('/projects/library/repositories/app/api/-/artifacts/latest');
    const rows = wrapper.findAll('[data-test=artifact-child]');
    expect(rows.map((row) => row.find('th').text())).toEqual(['linux/amd64', 'linux/arm64/v8', expect.stringContaining('linux/arm64/v8')]);
    expect(rows[2].attributes('data-attestation')).toBe('true');
    expect(rows[2].text()).not.toContain('unknown');
    expect(rows[0].get('a').attributes('href')).toBe(`/projects/library/repositories/app/api/-/artifacts/${CHILD_AMD}`);
  });

  it('offers docker, podman and nerdctl pull commands for an image, and remembers the client picked', async () => {
    localStorage.clear();
    const { wrapper } = await mountAt(`/projects/library/repositories/app/api/-/artifacts/${DIGEST}`);
    const box = wrapper.get('[data-test=artifact-pull]');
    expect(box.findAll('[role=group] button').map((b) => b.text())).toEqual(['docker', 'podman', 'nerdctl']);
    expect(box.get('[data-test=pull-command-text]').text()).toBe(`docker pull berth.test:5000/library/app/api@${DIGEST}`);
    await box.get('[data-test=pull-client-podman]').trigger('click');
    expect(box.get('[data-test=pull-command-text]').text()).toBe(`podman pull berth.test:5000/library/app/api@${DIGEST}`);
    expect(box.get('[data-test=pull-client-podman]').attributes('aria-pressed')).toBe('true');
    // Every other pull box follows the choice (the tags section here), and the next visit starts with it.
    expect(wrapper.findAll('[data-test=pull-command-text]').every((code) => code.text().startsWith('podman pull'))).toBe(true);
    expect(localStorage.getItem('berth.pullClient')).toBe('podman');
  });

  it("shows a Helm chart's name, version, app version and description, and pulls it with helm by version, or oras", async () => {
    artifact = artifactDetail({
      digest: DIGEST,
      kind: 'helm-chart',
      artifactType: 'application/vnd.cncf.helm.config.v1+json',
      tags: ['0.1.0'],
      chart: { name: 'web', version: '0.1.0', appVersion: '1.25.3', description: 'The web front end', apiVersion: 'v2', type: 'application', keywords: ['web', 'nginx'], home: 'javascript:alert(1)' },
    });
    const { wrapper } = await mountAt(`/projects/library/repositories/app/api/-/artifacts/${DIGEST}`);
    const chart = wrapper.get('[data-test=artifact-chart]');
    expect(chart.get('[data-test=chart-description]').text()).toBe('The web front end');
    expect(chart.get('[data-test=chart-name]').text()).toContain('web');
    expect(chart.get('[data-test=chart-version]').text()).toContain('0.1.0');
    expect(chart.get('[data-test=chart-appVersion]').text()).toContain('1.25.3');
    expect(chart.get('[data-test=chart-keywords]').text()).toContain('web, nginx');
    // A home page that is not http(s) stays text.
    expect(chart.find('[data-test=chart-home] a').exists()).toBe(false);
    const box = wrapper.get('[data-test=artifact-pull]');
    expect(box.findAll('[role=group] button').map((b) => b.text())).toEqual(['helm', 'oras']);
    expect(box.get('[data-test=pull-command-text]').text()).toBe('helm pull oci://berth.test:5000/library/app/api --version 0.1.0');
    await box.get('[data-test=pull-client-oras]').trigger('click');
    expect(box.get('[data-test=pull-command-text]').text()).toBe('oras pull berth.test:5000/library/app/api:0.1.0');
  });

  it('pulls a signature or any other OCI artifact with oras', async () => {
    artifact = artifactDetail({ digest: DIGEST, kind: 'other', tags: [], tagDetails: [] });
    const { wrapper } = await mountAt(`/projects/library/repositories/app/api/-/artifacts/${DIGEST}`);
    const box = wrapper.get('[data-test=artifact-pull]');
    expect(box.find('[role=group]').exists()).toBe(false);
    expect(box.get('[data-test=pull-command-text]').text()).toBe(`oras pull berth.test:5000/library/app/api@${DIGEST}`);
    expect(wrapper.find('[data-test=artifact-chart]').exists()).toBe(false);
  });

  it('shows the first 100 platforms of a huge index and pages through the rest', async () => {
    const child = (i: number) => ({ digest: `sha256:${String(i).padStart(64, '0')}`, os: 'linux', architecture: 'amd64', variant: `v${i}`, attestation: false, totalSize: 10, mediaType: 'm', size: 1, present: true, kind: 'image' as const, attests: null });
    artifact = artifactDetail({ digest: DIGEST, kind: 'index', platformCount: 250, children: Array.from({ length: 100 }, (_, i) => child(i)) });
    const base = get.getMockImplementation()!;
    get.mockImplementation((async (path: string, options?: unknown) => {
      if (path === '/api/v1/projects/{name}/repositories/{path}/-/artifacts/{reference}/children') {
        const page = (options as { query: { page: number } }).query.page;
        return { items: Array.from({ length: page === 3 ? 50 : 100 }, (_, i) => child((page - 1) * 100 + i)), total: 250, page, pageSize: 100 };
      }
      return (base as (p: string, o?: unknown) => Promise<unknown>)(path, options);
    }) as typeof base);
    const { wrapper } = await mountAt(`/projects/library/repositories/app/api/-/artifacts/${DIGEST}`);
    expect(wrapper.findAll('[data-test=artifact-child]')).toHaveLength(100);
    const pager = wrapper.get('[data-test=artifact-platforms-pager]');
    expect(pager.text()).toContain('250');
    await pager.findAll('.el-pager li').find((li) => li.text() === '3')!.trigger('click');
    await flushPromises();
    expect(get).toHaveBeenCalledWith('/api/v1/projects/{name}/repositories/{path}/-/artifacts/{reference}/children', { path: { name: 'library', path: 'app/api', reference: DIGEST }, query: { page: 3, page_size: 100 } });
    const rows = wrapper.findAll('[data-test=artifact-child]');
    expect(rows).toHaveLength(50);
    expect(rows[0].find('th').text()).toBe('linux/amd64/v200');
  });

  it('hides adding and deleting without push and delete permissions', async () => {
    permissions = ['pull'];
    const { wrapper } = await mountAt(`/projects/library/repositories/app/api/-/artifacts/${DIGEST}`);
    expect(wrapper.find('[data-test=tag-add]').exists()).toBe(false);
    expect(wrapper.find('[data-test=tag-delete]').exists()).toBe(false);
    expect(wrapper.find('[data-test=artifact-delete]').exists()).toBe(false);
  });

  it('adds a tag to the artifact by digest', async () => {
    permissions = ['pull', 'push'];
    post.mockResolvedValue({ created: true, tag: 'stable', digest: DIGEST });
    const { wrapper } = await mountAt('/projects/library/repositories/app/api/-/artifacts/1.0');
    expect(wrapper.find('[data-test=tag-delete]').exists()).toBe(false);
    await wrapper.get('[data-test=tag-add]').trigger('click');
    await wrapper.get('[data-test=tag-add-name]').setValue('-bad');
    expect(wrapper.get('[data-test=tag-add-submit]').attributes('disabled')).toBeDefined();
    await wrapper.get('[data-test=tag-add-name]').setValue('stable');
    await wrapper.get('[data-test=tag-add-submit]').trigger('submit');
    await flushPromises();
    expect(post).toHaveBeenCalledWith('/api/v1/projects/{name}/repositories/{path}/-/artifacts/{reference}/tags', { path: { name: 'library', path: 'app/api', reference: DIGEST }, body: { name: 'stable' } });
  });

  it('deletes a tag, and the artifact by digest after saying what it frees', async () => {
    permissions = ['pull', 'push', 'delete'];
    del.mockResolvedValue({ deleted: [DIGEST], tags: ['1.0'], freeableBytes: 1_048_576 });
    const { wrapper, router } = await mountAt('/projects/library/repositories/app/api/-/artifacts/1.0');
    await wrapper.get('[data-test=tag-delete][data-tag="1.0"]').trigger('click');
    await flushPromises();
    (document.body.querySelector('[data-test=confirm-delete]') as HTMLButtonElement).click();
    await flushPromises();
    expect(del).toHaveBeenCalledWith('/api/v1/projects/{name}/repositories/{path}/-/tags/{tag}', { path: { name: 'library', path: 'app/api', tag: '1.0' } });
    // Opened by the tag just removed: the page moves to the digest rather than to "not found".
    await vi.waitFor(() => expect(router.currentRoute.value.fullPath).toBe(`/projects/library/repositories/app/api/-/artifacts/${DIGEST}`), { timeout: 10_000 });
    await flushPromises();

    await wrapper.get('[data-test=artifact-delete]').trigger('click');
    await flushPromises();
    const dialog = [...document.body.querySelectorAll('.el-dialog')].find((d) => d.textContent?.includes(`Delete sha256:${'b'.repeat(12)}?`));
    expect(dialog?.textContent).toContain('Its tags go with it: 1.0.');
    expect(dialog?.textContent).toContain('Garbage collection can then free 1 MiB.');
    (dialog?.querySelector('[data-test=confirm-delete]') as HTMLButtonElement).click();
    await flushPromises();
    expect(del).toHaveBeenLastCalledWith('/api/v1/projects/{name}/repositories/{path}/-/artifacts/{reference}', { path: { name: 'library', path: 'app/api', reference: DIGEST } });
    // The route's page loads lazily before the navigation completes.
    await vi.waitFor(() => expect(router.currentRoute.value.fullPath).toBe('/projects/library/repositories/app/api/-/tags'), { timeout: 10_000 });
  });

  it('shows the not-found page for a 404', async () => {
    get.mockImplementation(async (path: string) => {
      if (path === '/api/v1/me/permissions') return { project: 'library', role: null, permissions: [] };
      throw new ApiError(404, { code: 'NOT_FOUND', message: 'no such artifact', requestId: 'r' });
    });
    const { wrapper } = await mountAt(`/projects/library/repositories/app/api/-/artifacts/${DIGEST}`);
    expect(wrapper.find('[data-test=not-found]').exists()).toBe(true);
  });

  it('keeps the tag it was opened by in the heading, the window title and the first pull command', async () => {
    artifact = { ...artifact, repository: 'library/app/api', tags: ['v1.0.0'] };
    const { wrapper } = await mountAt('/projects/library/repositories/app/api/-/artifacts/v1.0.0');
    expect(get).toHaveBeenCalledWith('/api/v1/projects/{name}/repositories/{path}/-/artifacts/{reference}', { path: { name: 'library', path: 'app/api', reference: 'v1.0.0' } });
    expect(wrapper.get('h1').text()).toBe('library/app/api:v1.0.0');
    expect(document.title).toBe('library/app/api:v1.0.0 · Berth');
    expect(wrapper.get('[data-test=artifact-pull] code').text()).toBe('docker pull berth.test:5000/library/app/api:v1.0.0');
    expect(wrapper.get('[data-test=artifact-pull-digest] code').text()).toBe(`docker pull berth.test:5000/library/app/api@${DIGEST}`);
  });

  it('lets a long author e-mail break only after its @ and dots, never mid-word', async () => {
    artifact = { ...artifact, config: { ...artifact.config!, author: 'Jane Doe <jane.doe@build-infrastructure.example.com>' } };
    const { wrapper } = await mountAt(`/projects/library/repositories/app/api/-/artifacts/${DIGEST}`);
    const author = wrapper.get('[data-test=artifact-author]');
    expect(author.text()).toBe('Jane Doe <jane.doe@build-infrastructure.example.com>');
    const pieces = [...author.element.querySelector('.breakable')!.childNodes].filter((n) => n.nodeType === Node.TEXT_NODE && n.textContent).map((n) => n.textContent);
    expect(pieces).toEqual(['Jane Doe <jane.', 'doe@', 'build-', 'infrastructure.', 'example.', 'com>']);
    expect(author.findAll('wbr')).toHaveLength(5);
  });

  it('marks an immutable tag and offers no removal of it', async () => {
    permissions = ['pull', 'push', 'delete'];
    artifact = { ...artifact, tagDetails: [{ name: 'v1.0.0', pushedAt: '2025-05-01T00:00:00Z', lastPulledAt: null, pullCount: 0, moving: false, immutable: true }] };
    const { wrapper } = await mountAt(`/projects/library/repositories/app/api/-/artifacts/${DIGEST}`);
    const tag = wrapper.get('[data-test=artifact-tag][data-tag="v1.0.0"]');
    expect(tag.get('[data-test=artifact-tag-immutable]').text()).toBe('immutable');
    expect(tag.get('[data-test=tag-delete]').attributes('disabled')).toBeDefined();
  });
});
