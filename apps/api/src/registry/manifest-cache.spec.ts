import { ManifestCache } from './manifest-cache';
import type { ManifestRow } from './manifest.repository';
import type { ChangeListener, RegistryChangeFeed } from './registry-change-feed';

function fakeFeed(connected = true) {
  const listeners: ChangeListener[] = [];
  const feed = { connected, subscribe: (l: ChangeListener) => listeners.push(l) } as unknown as RegistryChangeFeed;
  return { feed, notify: (name: string) => listeners.forEach((l) => l.repositoryChanged(name)), reset: () => listeners.forEach((l) => l.reset()) };
}

const row = (digest: string, bytes = 10): ManifestRow => ({
  id: '1',
  repositoryId: '1',
  digest,
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  size: bytes,
  content: Buffer.alloc(bytes),
});

describe('ManifestCache', () => {
  it('serves what it stored until the repository changes', () => {
    const { feed, notify } = fakeFeed();
    const cache = new ManifestCache(feed);
    cache.set('team/app', 'v1', row('sha256:a'), cache.generation('team/app'));
    cache.set('other/app', 'v1', row('sha256:b'), cache.generation('other/app'));
    expect(cache.get('team/app', 'v1')?.digest).toBe('sha256:a');
    notify('team/app');
    expect(cache.get('team/app', 'v1')).toBeUndefined();
    expect(cache.get('other/app', 'v1')?.digest).toBe('sha256:b');
  });

  it('does not store a lookup that raced with a change', () => {
    const { feed, notify } = fakeFeed();
    const cache = new ManifestCache(feed);
    const before = cache.generation('team/app');
    notify('team/app'); // the write committed while the read was in flight
    cache.set('team/app', 'v1', row('sha256:stale'), before);
    expect(cache.get('team/app', 'v1')).toBeUndefined();
  });

  it('forgets everything, and refuses straddling lookups, after the feed was lost', () => {
    const { feed, reset } = fakeFeed();
    const cache = new ManifestCache(feed);
    cache.set('team/app', 'v1', row('sha256:a'), cache.generation('team/app'));
    const before = cache.generation('new/repo');
    reset();
    expect(cache.get('team/app', 'v1')).toBeUndefined();
    cache.set('new/repo', 'v1', row('sha256:c'), before);
    expect(cache.get('new/repo', 'v1')).toBeUndefined();
  });

  it('serves nothing while the feed is disconnected', () => {
    const { feed } = fakeFeed(false);
    const cache = new ManifestCache(feed);
    cache.set('team/app', 'v1', row('sha256:a'), cache.generation('team/app'));
    expect(cache.get('team/app', 'v1')).toBeUndefined();
  });

  it('evicts the oldest entries past its byte budget', () => {
    const { feed } = fakeFeed();
    const cache = new ManifestCache(feed);
    const big = 20 * 1024 * 1024;
    for (const tag of ['a', 'b', 'c', 'd']) cache.set('r', tag, row(`sha256:${tag}`, big), cache.generation('r'));
    expect(cache.get('r', 'a')).toBeUndefined();
    expect(cache.get('r', 'd')?.digest).toBe('sha256:d');
  });
});
