import type { RegistryChangeFeed } from '../registry/registry-change-feed';
import { StorageTotalsCache } from './storage-totals-cache';

function setup() {
  const feed = { connected: true, subscribe: jest.fn() };
  const cache = new StorageTotalsCache(feed as unknown as RegistryChangeFeed);
  return { feed, cache };
}

describe('StorageTotalsCache', () => {
  it('subscribes to the change feed', () => {
    const { feed, cache } = setup();
    expect(feed.subscribe).toHaveBeenCalledWith(cache);
  });

  it('neither serves nor keeps anything while the feed is down', async () => {
    const { feed, cache } = setup();
    const total = jest.fn(async () => 1234);
    await cache.ofSet(['alpha'], total);
    feed.connected = false;
    cache.reset(); // what the feed does when it loses its connection
    await cache.ofSet(['alpha'], total);
    await cache.ofSet(['alpha'], total);
    expect(total).toHaveBeenCalledTimes(3);
    feed.connected = true;
    await cache.ofSet(['alpha'], total);
    await cache.ofSet(['alpha'], total);
    expect(total).toHaveBeenCalledTimes(4);
  });

  it('keeps sums of sets of projects whatever their order, and drops them all on any change', async () => {
    const { cache } = setup();
    const total = jest.fn(async () => 1234);
    expect(await cache.ofSet(['b', 'a'], total)).toBe(1234);
    expect(await cache.ofSet(['a', 'b', 'a'], total)).toBe(1234);
    expect(total).toHaveBeenCalledTimes(1);
    await cache.ofSet(['a'], total);
    expect(total).toHaveBeenCalledTimes(2);
    cache.repositoryChanged();
    await cache.ofSet(['a', 'b'], total);
    expect(total).toHaveBeenCalledTimes(3);
    const racing = jest.fn(async () => {
      cache.repositoryChanged();
      return 99;
    });
    expect(await cache.ofSet(['c'], racing)).toBe(99);
    expect(await cache.ofSet(['c'], total)).toBe(1234);
  });
});
