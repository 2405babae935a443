import type { FileInfo } from '../driver';
import { PathNotFoundError, StorageError } from '../errors';
import { expectStorageError, sha256, type CurrentDriver } from './testsuite.helpers';

export function describeTree(driver: CurrentDriver): void {
  describeMove(driver);
  describeDelete(driver);
  describeList(driver);
  describeWalk(driver);
}

function describeMove(driver: CurrentDriver): void {
  describe('move', () => {
    it('moves a file, creating the destination parents, and removes the source', async () => {
      const d = driver();
      await d.putContent('/uploads/u1/data', Buffer.from('blob'));
      await d.move('/uploads/u1/data', '/blobs/sha256/ab/abcd/data');
      expect((await d.getContent('/blobs/sha256/ab/abcd/data')).toString()).toBe('blob');
      await expectStorageError(d.stat('/uploads/u1/data'), PathNotFoundError);
      expect(await d.list('/uploads/u1')).toEqual([]);
    });

    it('replaces an existing destination', async () => {
      const d = driver();
      await d.putContent('/src', Buffer.from('new'));
      await d.putContent('/dst', Buffer.from('old and longer'));
      await d.move('/src', '/dst');
      expect((await d.getContent('/dst')).toString()).toBe('new');
      expect(await d.list('/')).toEqual(['/dst']);
    });

    it('moves a directory tree', async () => {
      const d = driver();
      await d.putContent('/tree/a', Buffer.from('a'));
      await d.putContent('/tree/sub/b', Buffer.from('b'));
      await d.move('/tree', '/moved/tree');
      expect(await d.list('/moved/tree')).toEqual(['/moved/tree/a', '/moved/tree/sub']);
      expect((await d.getContent('/moved/tree/sub/b')).toString()).toBe('b');
      await expectStorageError(d.stat('/tree'), PathNotFoundError);
    });

    it('throws PathNotFoundError naming a missing source and leaves the destination alone', async () => {
      const d = driver();
      await d.putContent('/dst', Buffer.from('kept'));
      await expectStorageError(d.move('/missing', '/dst'), PathNotFoundError, '/missing');
      expect((await d.getContent('/dst')).toString()).toBe('kept');
      await expectStorageError(d.move('/missing', '/new/parent/dst'), PathNotFoundError, '/missing');
    });

    it('is a no-op onto itself', async () => {
      const d = driver();
      await d.putContent('/same', Buffer.from('same'));
      await d.move('/same', '/same');
      expect((await d.getContent('/same')).toString()).toBe('same');
    });

    it('fails with StorageError moving a file onto a non-empty directory', async () => {
      const d = driver();
      await d.putContent('/file', Buffer.from('f'));
      await d.putContent('/dir/child', Buffer.from('c'));
      await expectStorageError(d.move('/file', '/dir'), StorageError);
      expect((await d.getContent('/file')).toString()).toBe('f');
      expect(await d.list('/dir')).toEqual(['/dir/child']);
    });

    it('lets concurrent moves of identical content onto one destination all succeed', async () => {
      const d = driver();
      const content = Buffer.alloc(256 * 1024, 'z');
      const sources = Array.from({ length: 10 }, (_, i) => `/uploads/${i}/data`);
      await Promise.all(sources.map((source) => d.putContent(source, content)));
      const dest = '/blobs/sha256/zz/zzzz/data';
      await Promise.all(sources.map((source) => d.move(source, dest)));
      expect(sha256(await d.getContent(dest))).toBe(sha256(content));
      for (const source of sources) await expectStorageError(d.stat(source), PathNotFoundError);
    });
  });
}

function describeDelete(driver: CurrentDriver): void {
  describe('delete', () => {
    it('deletes a file and keeps its directory', async () => {
      const d = driver();
      await d.putContent('/dir/a', Buffer.from('a'));
      await d.putContent('/dir/b', Buffer.from('b'));
      await d.delete('/dir/a');
      await expectStorageError(d.stat('/dir/a'), PathNotFoundError);
      expect(await d.list('/dir')).toEqual(['/dir/b']);
    });

    it('deletes a directory tree and nothing beside it', async () => {
      const d = driver();
      await d.putContent('/repo/one/a', Buffer.from('a'));
      await d.putContent('/repo/one/deep/er/b', Buffer.from('b'));
      await d.putContent('/repo/two', Buffer.from('c'));
      await d.delete('/repo/one');
      await expectStorageError(d.stat('/repo/one/deep/er/b'), PathNotFoundError);
      expect(await d.list('/repo')).toEqual(['/repo/two']);
    });

    it('throws PathNotFoundError for a missing path or one below a file', async () => {
      const d = driver();
      await d.putContent('/file', Buffer.from('f'));
      await expectStorageError(d.delete('/missing'), PathNotFoundError, '/missing');
      await expectStorageError(d.delete('/file/below'), PathNotFoundError, '/file/below');
    });
  });
}

function describeList(driver: CurrentDriver): void {
  describe('list', () => {
    it('returns the direct children as full paths in sorted order', async () => {
      const d = driver();
      for (const name of ['b', 'a', 'Z', 'a.1', 'a-1', '_x', '9']) await d.putContent(`/l/${name}`, Buffer.from(name));
      await d.putContent('/l/c/grandchild', Buffer.from('g'));
      expect(await d.list('/l')).toEqual(['/l/9', '/l/Z', '/l/_x', '/l/a', '/l/a-1', '/l/a.1', '/l/b', '/l/c']);
    });

    it('lists the root', async () => {
      const d = driver();
      await d.putContent('/y/f', Buffer.from('y'));
      await d.putContent('/x', Buffer.from('x'));
      expect(await d.list('/')).toEqual(['/x', '/y']);
    });

    it('lists an emptied directory as empty', async () => {
      const d = driver();
      await d.putContent('/dir/only', Buffer.from('o'));
      await d.delete('/dir/only');
      expect(await d.list('/dir')).toEqual([]);
    });

    it('throws PathNotFoundError for a missing path or a file', async () => {
      const d = driver();
      await d.putContent('/file', Buffer.from('f'));
      await expectStorageError(d.list('/missing'), PathNotFoundError, '/missing');
      await expectStorageError(d.list('/file'), PathNotFoundError, '/file');
    });
  });
}

function describeWalk(driver: CurrentDriver): void {
  describe('walk', () => {
    beforeEach(async () => {
      const d = driver();
      for (const path of ['/w/b/x', '/w/a', '/w/b/a', '/w/c', '/w/b/sub/z']) {
        await d.putContent(path, Buffer.from(path));
      }
    });

    it('visits files and directories depth-first in sorted order', async () => {
      const seen: FileInfo[] = [];
      await driver().walk('/w', (info) => {
        seen.push(info);
      });
      expect(seen.map((info) => [info.path, info.isDir])).toEqual([
        ['/w/a', false],
        ['/w/b', true],
        ['/w/b/a', false],
        ['/w/b/sub', true],
        ['/w/b/sub/z', false],
        ['/w/b/x', false],
        ['/w/c', false],
      ]);
      expect(seen.find((info) => info.path === '/w/b/sub/z')?.size).toBe('/w/b/sub/z'.length);
      expect(seen.find((info) => info.path === '/w/b')?.size).toBe(0);
    });

    it('walks from the root', async () => {
      const seen: string[] = [];
      await driver().walk('/', (info) => {
        seen.push(info.path);
      });
      expect(seen[0]).toBe('/w');
      expect(seen).toHaveLength(8);
    });

    it('awaits an async callback before visiting the next entry', async () => {
      const events: string[] = [];
      await driver().walk('/w/b', async (info) => {
        events.push(`start ${info.path}`);
        await new Promise((resolve) => setTimeout(resolve, 5));
        events.push(`end ${info.path}`);
      });
      expect(events.slice(0, 4)).toEqual(['start /w/b/a', 'end /w/b/a', 'start /w/b/sub', 'end /w/b/sub']);
    });

    it('stops and rejects with the error the callback throws', async () => {
      const seen: string[] = [];
      const failure = new Error('stop here');
      await expect(
        driver().walk('/w', (info) => {
          seen.push(info.path);
          if (info.path === '/w/b') throw failure;
        }),
      ).rejects.toBe(failure);
      expect(seen).toEqual(['/w/a', '/w/b']);
    });

    it('skips the contents of a directory the callback deletes', async () => {
      const seen: string[] = [];
      await driver().walk('/w', async (info) => {
        seen.push(info.path);
        if (info.path === '/w/b') await driver().delete('/w/b');
      });
      expect(seen).toEqual(['/w/a', '/w/b', '/w/c']);
    });

    it('throws PathNotFoundError for a missing path or a file', async () => {
      await expectStorageError(driver().walk('/missing', () => undefined), PathNotFoundError, '/missing');
      await expectStorageError(driver().walk('/w/a', () => undefined), PathNotFoundError, '/w/a');
    });
  });
}
