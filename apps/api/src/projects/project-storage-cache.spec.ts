import type { RegistryChangeFeed } from '../registry/registry-change-feed';
import { ProjectStorageCache } from './project-storage-cache';

function setup() {
  const feed = { connected: true, subscribe: jest.fn() };
  const cache = new ProjectStorageCache(feed as unknown as RegistryChangeFeed);
  const sum = jest.fn(async (missing: string[]) => new Map(missing.filter((p) => p !== 'empty').map((p) => [p, p.length * 100])));
  return { feed, cache, sum };
}

describe('ProjectStorageCache', () => {
  it('subscribes to the change feed', () => {
    const { feed, cache } = setup();
    expect(feed.subscribe).toHaveBeenCalledWith(cache);
  });

  it('sums only the projects it does not hold, all in one call, and answers 0 for a project with nothing', async () => {
    const { cache, sum } = setup();
    expect(await cache.of(['alpha', 'be', 'empty'], sum)).toEqual(new Map([['alpha', 500], ['be', 200], ['empty', 0]]));
    expect(await cache.of(['be', 'gamma', 'be'], sum)).toEqual(new Map([['be', 200], ['gamma', 500]]));
    expect(sum.mock.calls).toEqual([[['alpha', 'be', 'empty']], [['gamma']]]);
    await cache.of(['alpha', 'be', 'gamma', 'empty'], sum);
    expect(sum).toHaveBeenCalledTimes(2);
  });

  it('forgets a project when one of its repositories changes, and everything on reset', async () => {
    const { cache, sum } = setup();
    await cache.of(['alpha', 'be'], sum);
    cache.repositoryChanged('alpha/tools/cli');
    await cache.of(['alpha', 'be'], sum);
    expect(sum).toHaveBeenLastCalledWith(['alpha']);
    cache.reset();
    await cache.of(['alpha', 'be'], sum);
    expect(sum).toHaveBeenLastCalledWith(['alpha', 'be']);
    expect(sum).toHaveBeenCalledTimes(3);
  });

  it('does not keep a sum that a change raced with', async () => {
    const { cache, sum } = setup();
    const racing = jest.fn(async (missing: string[]) => {
      cache.repositoryChanged('other/app'); // committed while the sum was being read
      return sum(missing);
    });
    expect(await cache.of(['alpha'], racing)).toEqual(new Map([['alpha', 500]]));
    await cache.of(['alpha'], sum);
    expect(sum).toHaveBeenCalledTimes(2);
  });

  it('neither serves nor keeps anything while the feed is down', async () => {
    const { feed, cache, sum } = setup();
    await cache.of(['alpha'], sum);
    feed.connected = false;
    cache.reset(); // what the feed does when it loses its connection
    await cache.of(['alpha'], sum);
    await cache.of(['alpha'], sum);
    expect(sum).toHaveBeenCalledTimes(3);
    feed.connected = true;
    await cache.of(['alpha'], sum);
    await cache.of(['alpha'], sum);
    expect(sum).toHaveBeenCalledTimes(4);
  });

  it('expires sums after a minute, in case a change was never announced', async () => {
    const { cache, sum } = setup();
    const now = jest.spyOn(Date, 'now').mockReturnValue(1_000_000);
    await cache.of(['alpha'], sum);
    now.mockReturnValue(1_000_000 + 59_000);
    await cache.of(['alpha'], sum);
    expect(sum).toHaveBeenCalledTimes(1);
    now.mockReturnValue(1_000_000 + 61_000);
    await cache.of(['alpha'], sum);
    expect(sum).toHaveBeenCalledTimes(2);
    now.mockRestore();
  });

  it('keeps sums of sets of projects whatever their order, and drops them all on any change', async () => {
    const { cache } = setup();
    const total = jest.fn(async () => 1234);
    expect(await cache.ofSet(['b', 'a'], total)).toBe(1234);
    expect(await cache.ofSet(['a', 'b', 'a'], total)).toBe(1234);
    expect(total).toHaveBeenCalledTimes(1);
    await cache.ofSet(['a'], total);
    expect(total).toHaveBeenCalledTimes(2);
    cache.repositoryChanged('zzz/elsewhere');
    await cache.ofSet(['a', 'b'], total);
    expect(total).toHaveBeenCalledTimes(3);
    const racing = jest.fn(async () => {
      cache.repositoryChanged('a/app');
      return 99;
    });
    expect(await cache.ofSet(['c'], racing)).toBe(99);
    expect(await cache.ofSet(['c'], total)).toBe(1234);
  });
});
