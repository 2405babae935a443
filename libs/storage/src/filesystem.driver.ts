import { createReadStream, mkdirSync, type Dirent, type Stats } from 'node:fs';
import { lstat, mkdir, open, readdir, readFile, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import {
  checkRange,
  isValidPathComponent,
  joinPath,
  pathComponents,
  type FileInfo,
  type FileWriter,
  type RandomAccessFile,
  type StorageDriver,
} from './driver';
import { InvalidOffsetError, InvalidPathError, PathNotFoundError, StorageError } from './errors';
import { isMissing, readError, writeError } from './filesystem.errors';
import { FilesystemFileWriter } from './filesystem.writer';

/** Large reads keep syscalls and stream hops few on multi-GiB blobs. */
const READ_HIGH_WATER_MARK = 1024 * 1024;

export interface FilesystemDriverOptions {
  /** Directory that holds everything; created if missing. */
  rootDirectory: string;
}

/** Stores each path as the same relative path under rootDirectory. */
export class FilesystemDriver implements StorageDriver {
  readonly name = 'filesystem';
  readonly rootDirectory: string;

  constructor(options: FilesystemDriverOptions) {
    if (!options.rootDirectory) throw new TypeError('FilesystemDriver needs a rootDirectory');
    this.rootDirectory = resolve(options.rootDirectory);
    // Created once at boot so an unwritable root fails fast and '/' always exists.
    mkdirSync(this.rootDirectory, { recursive: true });
  }

  async getContent(path: string): Promise<Buffer> {
    const full = this.fullPath(path);
    try {
      return await readFile(full);
    } catch (error) {
      throw readError(error, path);
    }
  }

  async putContent(path: string, content: Buffer): Promise<void> {
    const full = this.fileTarget(path);
    await this.makeParents(full, path);
    // The '~' cannot appear in a storage path, so list and walk never show an in-flight temp file.
    const temp = join(dirname(full), `.tmp-${randomUUID()}~`);
    try {
      const handle = await open(temp, 'wx');
      try {
        await handle.writeFile(content);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, full);
    } catch (error) {
      await rm(temp, { force: true }).catch(() => undefined);
      throw writeError(error, path);
    }
  }

  async reader(path: string, offset = 0, length?: number): Promise<Readable> {
    checkRange(path, offset, length);
    const { handle, size } = await this.openRegularFile(path);
    try {
      if (offset > size) throw new InvalidOffsetError(path, offset, `offset beyond size ${size}`);
      if (offset === size || length === 0) {
        await handle.close();
        return emptyReadable();
      }
      // The stream owns the handle from here and closes it when done or destroyed.
      return createReadStream(this.fullPath(path), {
        fd: handle,
        start: offset,
        ...(length === undefined ? {} : { end: offset + length - 1 }),
        highWaterMark: READ_HIGH_WATER_MARK,
      });
    } catch (error) {
      await handle.close().catch(() => undefined);
      throw readError(error, path);
    }
  }

  async openFile(path: string): Promise<RandomAccessFile> {
    const { handle, size } = await this.openRegularFile(path);
    return {
      size,
      read: async (into, position) => (await handle.read(into, 0, into.length, position)).bytesRead,
      close: () => handle.close(),
    };
  }

  /** An open handle on a file (not a directory) and its size; the caller owns the handle. */
  private async openRegularFile(path: string): Promise<{ handle: FileHandle; size: number }> {
    const full = this.fullPath(path);
    let handle: FileHandle;
    try {
      handle = await open(full, 'r');
    } catch (error) {
      throw readError(error, path);
    }
    try {
      const info = await handle.stat();
      if (info.isDirectory()) throw new PathNotFoundError(path);
      return { handle, size: info.size };
    } catch (error) {
      await handle.close().catch(() => undefined);
      throw readError(error, path);
    }
  }

  async writer(path: string, append: boolean): Promise<FileWriter> {
    const full = this.fileTarget(path);
    await this.makeParents(full, path);
    let handle: FileHandle;
    try {
      handle = await open(full, append ? 'a' : 'w');
    } catch (error) {
      throw writeError(error, path);
    }
    try {
      const size = append ? (await handle.stat()).size : 0;
      return new FilesystemFileWriter(handle, full, path, size);
    } catch (error) {
      await handle.close().catch(() => undefined);
      throw writeError(error, path);
    }
  }

  async stat(path: string): Promise<FileInfo> {
    const full = this.fullPath(path);
    try {
      return toFileInfo(path, await stat(full));
    } catch (error) {
      throw readError(error, path, 'stat');
    }
  }

  async list(path: string): Promise<string[]> {
    const full = this.fullPath(path);
    let entries: Dirent[];
    try {
      entries = await readdir(full, { withFileTypes: true });
    } catch (error) {
      throw readError(error, path, 'list');
    }
    return visibleNames(entries).map((name) => joinPath(path, name));
  }

  async move(source: string, dest: string): Promise<void> {
    const sourceFull = this.fullPath(source);
    const destFull = this.fullPath(dest);
    if (source === '/') throw new InvalidPathError(source, 'cannot move the root');
    if (dest === '/') throw new InvalidPathError(dest, 'cannot replace the root');
    try {
      await lstat(sourceFull);
    } catch (error) {
      throw readError(error, source, 'move');
    }
    await this.makeParents(destFull, dest);
    try {
      await rename(sourceFull, destFull);
    } catch (error) {
      // ENOENT after the parents exist means the source vanished meanwhile.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new PathNotFoundError(source, { cause: error });
      }
      throw writeError(error, dest, 'move onto');
    }
  }

  async delete(path: string): Promise<void> {
    const full = this.fullPath(path);
    if (path === '/') throw new InvalidPathError(path, 'cannot delete the root');
    try {
      await rm(full, { recursive: true });
    } catch (error) {
      throw readError(error, path, 'delete');
    }
  }

  async walk(path: string, fn: (info: FileInfo) => void | Promise<void>): Promise<void> {
    const full = this.fullPath(path);
    let info: Stats;
    try {
      info = await stat(full);
    } catch (error) {
      throw readError(error, path, 'walk');
    }
    if (!info.isDirectory()) throw new PathNotFoundError(path);
    await this.walkDirectory(path, full, fn, true);
  }

  private async walkDirectory(
    path: string,
    full: string,
    fn: (info: FileInfo) => void | Promise<void>,
    isStart: boolean,
  ): Promise<void> {
    let entries: Dirent[];
    try {
      entries = await readdir(full, { withFileTypes: true });
    } catch (error) {
      // A subdirectory removed by fn (or a concurrent delete) is simply no longer there to visit.
      if (!isStart && isMissing(error)) return;
      throw readError(error, path, 'walk');
    }
    for (const name of visibleNames(entries)) {
      const childPath = joinPath(path, name);
      const childFull = join(full, name);
      let childStats: Stats;
      try {
        childStats = await lstat(childFull);
      } catch (error) {
        if (isMissing(error)) continue;
        throw readError(error, childPath, 'walk');
      }
      if (!childStats.isFile() && !childStats.isDirectory()) continue;
      const info = toFileInfo(childPath, childStats);
      await fn(info);
      if (info.isDir) await this.walkDirectory(childPath, childFull, fn, false);
    }
  }

  /** Validated components joined under the root, so no storage path can name anything outside it. */
  private fullPath(path: string): string {
    return join(this.rootDirectory, ...pathComponents(path));
  }

  /** fullPath for an operation that writes a file; the root is a directory and its parent is off limits. */
  private fileTarget(path: string): string {
    const full = this.fullPath(path);
    if (path === '/') throw new StorageError('cannot write / : it is a directory', path);
    return full;
  }

  private async makeParents(full: string, path: string): Promise<void> {
    try {
      await mkdir(dirname(full), { recursive: true });
    } catch (error) {
      throw writeError(error, path, 'create parents of');
    }
  }
}

function emptyReadable(): Readable {
  return new Readable({
    read() {
      this.push(null);
    },
  });
}

/** Regular files and directories with storage-valid names, sorted; temp files and oddities stay hidden. */
function visibleNames(entries: Dirent[]): string[] {
  return entries
    .filter((entry) => (entry.isFile() || entry.isDirectory()) && isValidPathComponent(entry.name))
    .map((entry) => entry.name)
    .sort();
}

function toFileInfo(path: string, stats: Stats): FileInfo {
  const isDir = stats.isDirectory();
  // Built here rather than taking stats.mtime, whose Date comes from Node's own realm (instanceof fails under jest).
  return { path, size: isDir ? 0 : stats.size, modTime: new Date(stats.mtimeMs), isDir };
}
