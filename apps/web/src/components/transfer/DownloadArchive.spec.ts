import { mount } from '@vue/test-utils';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { i18n } from '@/i18n';
import DownloadArchive from './DownloadArchive.vue';

const platform = (os: string | null, architecture: string | null, variant: string | null = null, attestation = false) => ({ os, architecture, variant, attestation });

function render(props: { kind: string; reference?: string; repo?: string; platforms?: ReturnType<typeof platform>[] }, attachTo?: HTMLElement) {
  i18n.global.locale.value = 'en';
  return mount(DownloadArchive, {
    props: { project: 'team', repo: props.repo ?? 'app/api', reference: props.reference ?? '1.0', kind: props.kind, platforms: props.platforms ?? [] },
    global: { plugins: [i18n] },
    attachTo,
  });
}

/** An index's menu in the page (a test DOM does not download: link clicks are cancelled once they bubble up). */
function renderMenu() {
  const wrapper = render({ kind: 'index', platforms: [platform('linux', 'amd64'), platform('linux', 'arm64')] }, document.body.appendChild(document.createElement('div')));
  const menu = wrapper.get('[data-test="archive-download-menu"]');
  return { wrapper, menu, details: menu.element as HTMLDetailsElement, summary: menu.get('summary') };
}

const noNavigation = (event: Event) => event.preventDefault();
beforeAll(() => window.addEventListener('click', noNavigation));
afterAll(() => window.removeEventListener('click', noNavigation));
afterEach(() => {
  document.body.innerHTML = '';
});

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

  it('closes the menu once a download is chosen', async () => {
    const { details, summary, menu } = renderMenu();
    await summary.trigger('click');
    expect(details.open).toBe(true);
    await menu.get('[data-platform="linux/arm64"]').trigger('click');
    expect(details.open).toBe(false);

    await summary.trigger('click');
    expect(details.open).toBe(true);
    await menu.get('[data-test="archive-download-all"]').trigger('click');
    expect(details.open).toBe(false);
  });

  it('closes on a click or focus elsewhere, so that only one menu of a tag table is open', async () => {
    const first = renderMenu();
    const second = renderMenu();
    await first.summary.trigger('click');
    // Inside the menu it stays open.
    first.menu.get('[data-test="archive-download-all"]').element.dispatchEvent(new Event('pointerdown', { bubbles: true }));
    expect(first.details.open).toBe(true);

    second.summary.element.dispatchEvent(new Event('pointerdown', { bubbles: true }));
    await second.summary.trigger('click');
    expect([first.details.open, second.details.open]).toEqual([false, true]);

    const elsewhere = document.body.appendChild(document.createElement('button'));
    elsewhere.focus();
    expect(second.details.open).toBe(false);
  });

  it('closes on Escape and gives the focus back to its button', async () => {
    const { details, summary, menu } = renderMenu();
    await summary.trigger('click');
    (menu.get('[data-test="archive-download-all"]').element as HTMLElement).focus();
    expect(details.open).toBe(true);
    document.activeElement!.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }));
    expect(details.open).toBe(false);
    expect(document.activeElement).toBe(summary.element);
  });

  it('listens to the page only while open, and not after it is gone', async () => {
    const added = vi.spyOn(document, 'addEventListener');
    const removed = vi.spyOn(document, 'removeEventListener');
    /** The menu's listeners on the document now, replaying the adds and removes in the order they were made. */
    const listening = () => {
      const calls = [
        ...added.mock.calls.map((args, i) => ({ on: true, args, order: added.mock.invocationCallOrder[i] })),
        ...removed.mock.calls.map((args, i) => ({ on: false, args, order: removed.mock.invocationCallOrder[i] })),
      ].sort((x, y) => x.order - y.order);
      const active = new Map<string, unknown>();
      for (const { on, args } of calls) {
        if (!['pointerdown', 'focusin', 'keydown'].includes(args[0])) continue;
        if (on) active.set(args[0], args[1]);
        else if (active.get(args[0]) === args[1]) active.delete(args[0]);
      }
      return [...active.keys()].sort();
    };
    const { wrapper, details, summary } = renderMenu();
    expect(listening()).toEqual([]);
    await summary.trigger('click');
    expect(listening()).toEqual(['focusin', 'keydown', 'pointerdown']);
    await summary.trigger('click');
    expect(listening()).toEqual([]);

    details.open = true;
    expect(listening()).toEqual(['focusin', 'keydown', 'pointerdown']);
    wrapper.unmount();
    expect(listening()).toEqual([]);
    added.mockRestore();
    removed.mockRestore();
  });
});
