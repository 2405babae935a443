import type { StorageDriver } from '../driver';
import { InvalidPathError, PathNotFoundError, StorageError } from '../errors';
import { describeStreams } from './stream.testsuite';
import { expectStorageError, type CurrentDriver } from './testsuite.helpers';
import { describeTree } from './tree.testsuite';

export interface DriverUnderTest {
  driver: StorageDriver;
  cleanup(): Promise<void>;
}

/** Paths every driver must refuse before touching storage. */
const INVALID_PATHS = [
  '../x',
  '/a/../b',
  '/a//b',
  'relative',
  '/a/',
  '/a\\b',
  '/a\0b',
  '',
  '/..',
  '/a/./b',
  '/a b',
  '/caf\u00e9',
  `/${'x'.repeat(256)}`,
];

/** The contract every StorageDriver passes; call it from the driver's spec with a factory of fresh, empty drivers. */
export function runDriverTestSuite(name: string, makeDriver: () => Promise<DriverUnderTest>): void {
  describe(`${name} storage driver contract`, () => {
    let current: DriverUnderTest | undefined;
    const driver: CurrentDriver = () => {
      if (!current) throw new Error('no driver: the suite beforeEach did not run');
      return current.driver;
    };

    beforeEach(async () => {
      current = await makeDriver();
    });

    afterEach(async () => {
      await current?.cleanup();
      current = undefined;
    });

    describePaths(driver);
    describeContent(driver);
    describeStat(driver);
    describeStreams(driver);
    describeTree(driver);
  });
}

function describePaths(driver: CurrentDriver): void {
  describe('paths', () => {
    it.each(INVALID_PATHS)('every operation rejects %j with InvalidPathError', async (path) => {
      const d = driver();
      await d.putContent('/valid', Buffer.from('v'));
      const attempts: Array<Promise<unknown>> = [
        d.getContent(path),
        d.putContent(path, Buffer.from('x')),
        d.reader(path),
        d.writer(path, false),
        d.writer(path, true),
        d.stat(path),
        d.list(path),
        d.move(path, '/dest'),
        d.move('/valid', path),
        d.delete(path),
        d.walk(path, () => undefined),
      ];
      for (const attempt of attempts) await expectStorageError(attempt, InvalidPathError);
      expect(await d.list('/')).toEqual(['/valid']);
    });

    it('refuses to delete or move the root', async () => {
      const d = driver();
      await d.putContent('/a', Buffer.from('a'));
      await expectStorageError(d.delete('/'), InvalidPathError, '/');
      await expectStorageError(d.move('/', '/b'), InvalidPathError, '/');
      await expectStorageError(d.move('/a', '/'), InvalidPathError, '/');
      expect(await d.list('/')).toEqual(['/a']);
    });

    it('accepts dots, dashes and underscores inside components', async () => {
      const d = driver();
      const path = '/blobs/sha256/ab/ab-c_d.e/.hidden/...';
      await d.putContent(path, Buffer.from('ok'));
      expect((await d.getContent(path)).toString()).toBe('ok');
    });
  });
}

function describeContent(driver: CurrentDriver): void {
  describe('getContent and putContent', () => {
    it('round-trips bytes and creates parent directories', async () => {
      const d = driver();
      const content = Buffer.from([0, 1, 2, 255, 10, 13]);
      await d.putContent('/a/b/c/file', content);
      expect(await d.getContent('/a/b/c/file')).toEqual(content);
      expect((await d.stat('/a/b')).isDir).toBe(true);
    });

    it('replaces an existing file whole', async () => {
      const d = driver();
      await d.putContent('/f', Buffer.from('a much longer first version'));
      await d.putContent('/f', Buffer.from('short'));
      expect((await d.getContent('/f')).toString()).toBe('short');
      expect((await d.stat('/f')).size).toBe(5);
    });

    it('stores an empty file', async () => {
      const d = driver();
      await d.putContent('/empty', Buffer.alloc(0));
      expect((await d.getContent('/empty')).length).toBe(0);
      expect(await d.stat('/empty')).toMatchObject({ size: 0, isDir: false });
    });

    it('keeps stored bytes apart from the buffers passed in and handed out', async () => {
      const d = driver();
      const input = Buffer.from('original');
      await d.putContent('/f', input);
      input.fill(0);
      const output = await d.getContent('/f');
      output.fill(0);
      expect((await d.getContent('/f')).toString()).toBe('original');
    });

    it('throws PathNotFoundError naming a missing path', async () => {
      const d = driver();
      await expectStorageError(d.getContent('/missing/file'), PathNotFoundError, '/missing/file');
    });

    it('throws PathNotFoundError for a directory', async () => {
      const d = driver();
      await d.putContent('/dir/file', Buffer.from('x'));
      await expectStorageError(d.getContent('/dir'), PathNotFoundError, '/dir');
      await expectStorageError(d.getContent('/'), PathNotFoundError, '/');
    });

    it('fails with StorageError under a file, onto a directory, or at the root', async () => {
      const d = driver();
      await d.putContent('/file', Buffer.from('x'));
      await d.putContent('/dir/child', Buffer.from('y'));
      const underFile = await expectStorageError(d.putContent('/file/child', Buffer.from('z')), StorageError);
      expect(underFile).not.toBeInstanceOf(PathNotFoundError);
      await expectStorageError(d.putContent('/dir', Buffer.from('z')), StorageError, '/dir');
      await expectStorageError(d.putContent('/', Buffer.from('z')), StorageError, '/');
      expect((await d.getContent('/file')).toString()).toBe('x');
      expect(await d.list('/dir')).toEqual(['/dir/child']);
    });

    it('leaves nothing but the file in its directory', async () => {
      const d = driver();
      await d.putContent('/dir/a', Buffer.from('1'));
      await d.putContent('/dir/a', Buffer.from('2'));
      expect(await d.list('/dir')).toEqual(['/dir/a']);
    });

    it('leaves one complete version when writers race on one path', async () => {
      const d = driver();
      const versions = Array.from({ length: 8 }, (_, i) => Buffer.alloc(64 * 1024 + i, i + 1));
      await Promise.all(versions.map((version) => d.putContent('/race/f', version)));
      const stored = await d.getContent('/race/f');
      expect(versions.some((version) => version.equals(stored))).toBe(true);
      expect(await d.list('/race')).toEqual(['/race/f']);
    });
  });
}

function describeStat(driver: CurrentDriver): void {
  describe('stat', () => {
    it('reports size, isDir and modTime for files and directories', async () => {
      const before = Date.now();
      const d = driver();
      await d.putContent('/dir/file', Buffer.alloc(1234, 7));
      const file = await d.stat('/dir/file');
      expect(file).toMatchObject({ path: '/dir/file', size: 1234, isDir: false });
      expect(file.modTime).toBeInstanceOf(Date);
      // Filesystem timestamps may be rounded down a little below the wall clock.
      expect(file.modTime.getTime()).toBeGreaterThanOrEqual(before - 2000);
      expect(await d.stat('/dir')).toMatchObject({ path: '/dir', size: 0, isDir: true });
    });

    it('shows a fresh driver as an empty root directory', async () => {
      const d = driver();
      expect(await d.stat('/')).toMatchObject({ path: '/', isDir: true });
      expect(await d.list('/')).toEqual([]);
    });

    it('throws PathNotFoundError for missing paths and paths below a file', async () => {
      const d = driver();
      await d.putContent('/file', Buffer.from('x'));
      await expectStorageError(d.stat('/nope'), PathNotFoundError, '/nope');
      await expectStorageError(d.stat('/file/below'), PathNotFoundError, '/file/below');
    });
  });
}
