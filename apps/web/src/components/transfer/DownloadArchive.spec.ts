import { mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import { i18n } from '@/i18n';
import DownloadArchive from './DownloadArchive.vue';

const platform = (os: string | null, architecture: string | null, variant: string | null = null, attestation = false) => ({ os, architecture, variant, attestation });

function render(props: { kind: string; reference?: string; repo?: string; platforms?: ReturnType<typeof platform>[] }) {
  i18n.global.locale.value = 'en';
  return mount(DownloadArchive, {
    props: { project: 'team', repo: props.repo ?? 'app/api', reference: props.reference ?? '1.0', kind: props.kind, platforms: props.platforms ?? [] },
    global: { plugins: [i18n] },
  });
}

describe('DownloadArchive', () => {
  it('is one plain download link for an image, to the export route (docker format by default)', () => {
    const wrapper = render({ kind: 'image' });
    const link = wrapper.get('a[data-test="archive-download"]');
    expect(link.attributes('href')).toBe('/api/v1/projects/team/repositories/app/api/-/artifacts/1.0/archive');
    expect(link.attributes('download')).toBeDefined();
    expect(link.text()).toBe('Download as archive');
  });

  it('offers each platform of an index as a docker archive, and all of them as OCI', () => {
    const wrapper = render({
      kind: 'index',
      reference: 'v1+build',
      platforms: [platform('linux', 'amd64'), platform('linux', 'arm64', 'v8'), platform(null, null, null, true), platform('linux', 'amd64')],
    });
    expect(wrapper.find('a[data-test="archive-download"]').exists()).toBe(false);
    const links = wrapper.findAll('[data-test="archive-download-platform"]');
    expect(links.map((a) => [a.attributes('data-platform'), a.attributes('href'), a.attributes('download')])).toEqual([
      ['linux/amd64', '/api/v1/projects/team/repositories/app/api/-/artifacts/v1%2Bbuild/archive?format=docker&platform=linux%2Famd64', ''],
      ['linux/arm64/v8', '/api/v1/projects/team/repositories/app/api/-/artifacts/v1%2Bbuild/archive?format=docker&platform=linux%2Farm64%2Fv8', ''],
    ]);
    expect(links[1].text()).toBe('linux/arm64/v8 (Docker format)');
    const all = wrapper.get('[data-test="archive-download-all"]');
    expect(all.attributes('href')).toBe('/api/v1/projects/team/repositories/app/api/-/artifacts/v1%2Bbuild/archive?format=oci');
    expect(all.text()).toBe('All platforms (OCI format)');
  });

  it('encodes a digest reference and keeps the slashes of the repository path', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    const wrapper = render({ kind: 'image', reference: digest, repo: 'a b/c' });
    expect(wrapper.get('a').attributes('href')).toBe(`/api/v1/projects/team/repositories/a%20b/c/-/artifacts/sha256%3A${'a'.repeat(64)}/archive`);
  });

  it('offers nothing for an artifact that is neither an image nor an index', () => {
    const wrapper = render({ kind: 'helm-chart' });
    expect(wrapper.find('a').exists()).toBe(false);
    expect(wrapper.find('[data-test="archive-download"]').exists()).toBe(false);
  });
});
