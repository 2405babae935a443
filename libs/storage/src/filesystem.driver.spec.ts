import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { InvalidPathError, StorageError, StorageFullError } from './errors';
import { FilesystemDriver } from './filesystem.driver';
import { runDriverTestSuite } from './testsuites/driver.testsuite';
import { mountSmallFilesystem, SmallFilesystem } from './testsuites/small-filesystem';
import { expectStorageError, MiB, writeChunk } from './testsuites/testsuite.helpers';

/** A scratch directory holding the driver root as `root`, so a test can see anything written beside it. */
async function scratch(): Promise<{ base: string; root: string; driver: FilesystemDriver }> {
  const base = await mkdtemp(join(tmpdir(), 'berth-storage-'));
  const root = join(base, 'root');
  return { base, root, driver: new FilesystemDriver({ rootDirectory: root }) };
}

runDriverTestSuite('filesystem', async () => {
  const { base, driver } = await scratch();
  return { driver, cleanup: () => rm(base, { recursive: true, force: true }) };
});

describe('FilesystemDriver', () => {
  let base: string;
  let root: string;
  let driver: FilesystemDriver;

  beforeEach(async () => {
    ({ base, root, driver } = await scratch());
  });

  afterEach(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it('creates a missing root directory', async () => {
    const nested = join(base, 'x', 'y');
    const created = new FilesystemDriver({ rootDirectory: nested });
    expect(created.rootDirectory).toBe(nested);
    expect((await stat(nested)).isDirectory()).toBe(true);
  });

  it('stores a storage path at the same relative path under the root', async () => {
    await driver.putContent('/repositories/library/alpine/link', Buffer.from('sha256:abc'));
    expect(await readFile(join(root, 'repositories', 'library', 'alpine', 'link'), 'utf8')).toBe('sha256:abc');
  });

  it.each(['/../escape', '../escape', '/a/../../escape', '/..', '/a/..'])(
    'never reaches outside the root through %j',
    async (path) => {
      await expectStorageError(driver.putContent(path, Buffer.from('x')), InvalidPathError);
      await expectStorageError(driver.writer(path, false), InvalidPathError);
      await expectStorageError(driver.move(path, '/in'), InvalidPathError);
      await expectStorageError(driver.delete(path), InvalidPathError);
      expect(await readdir(base)).toEqual(['root']);
      expect(await readdir(root)).toEqual([]);
    },
  );

  it('hides temp files and names that are not storage paths from list and walk', async () => {
    await driver.putContent('/d/f', Buffer.from('f'));
    await writeFile(join(root, 'd', '.tmp-123~'), 'in flight');
    await writeFile(join(root, 'd', 'has space'), 'odd');
    expect(await driver.list('/d')).toEqual(['/d/f']);
    const walked: string[] = [];
    await driver.walk('/', (info) => {
      walked.push(info.path);
    });
    expect(walked).toEqual(['/d', '/d/f']);
  });

  it('leaves no temp file behind when putContent fails', async () => {
    await mkdir(join(root, 'd', 'target', 'child'), { recursive: true });
    await expectStorageError(driver.putContent('/d/target', Buffer.from('x')), StorageError);
    expect(await readdir(join(root, 'd'))).toEqual(['target']);
  });

  it('streams each chunk to disk as it is written rather than holding the body', async () => {
    const writer = await driver.writer('/uploads/big/data', false);
    expect(writer.writableHighWaterMark).toBeLessThanOrEqual(4 * MiB);
    const chunk = Buffer.alloc(MiB, 1);
    for (let i = 1; i <= 64; i += 1) {
      await writeChunk(writer, chunk);
      expect(writer.size).toBe(i * MiB);
      expect((await stat(join(root, 'uploads', 'big', 'data'))).size).toBe(i * MiB);
    }
    await writer.commit();
    expect((await driver.stat('/uploads/big/data')).size).toBe(64 * MiB);
  });

  it('reads in large chunks', async () => {
    await driver.putContent('/f', Buffer.alloc(3 * MiB));
    const reader = await driver.reader('/f');
    expect(reader.readableHighWaterMark).toBeGreaterThanOrEqual(MiB);
    reader.destroy();
  });
});

describe('FilesystemDriver on a full disk (a 1 MiB tmpfs)', () => {
  let fs: SmallFilesystem;
  let driver: FilesystemDriver;
  beforeEach(async () => {
    fs = await mountSmallFilesystem(MiB);
    driver = new FilesystemDriver({ rootDirectory: join(fs.dir, 'root') });
  });
  afterEach(() => fs.unmount());

  it('fails a streamed write with StorageFullError, and the writer can still be cancelled', async () => {
    const writer = await driver.writer('/uploads/a/data', false);
    const failure = await pipeline(Readable.from([randomBytes(MiB), randomBytes(MiB)]), writer).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(StorageFullError);
    expect((failure as StorageFullError).path).toBe('/uploads/a/data');
    await writer.cancel();
    await expect(driver.stat('/uploads/a/data')).rejects.toThrow('path not found');
  });

  it('fails putContent with StorageFullError and leaves no temporary file', async () => {
    await expect(driver.putContent('/big', randomBytes(2 * MiB))).rejects.toBeInstanceOf(StorageFullError);
    expect(await readdir(join(fs.dir, 'root'))).toEqual([]);
  });
});
