import { Readable } from 'node:stream';
import {
  checkPath,
  checkRange,
  joinPath,
  pathComponents,
  type FileInfo,
  type FileWriter,
  type RandomAccessFile,
  type StorageDriver,
} from './driver';
import { InvalidOffsetError, InvalidPathError, PathNotFoundError, StorageError } from './errors';
import { fileContent, MemoryFileWriter, type MemoryFile } from './memory.writer';

interface MemoryDirectory {
  kind: 'dir';
  children: Map<string, MemoryNode>;
  modTime: Date;
}

type MemoryNode = MemoryFile | MemoryDirectory;

/** Chunk size of readers, matching the filesystem driver's read size. */
const READ_CHUNK_SIZE = 1024 * 1024;

/** A tree of directories and files in memory with the filesystem driver's semantics; for tests. */
export class InMemoryDriver implements StorageDriver {
  readonly name = 'inmemory';
  private readonly root: MemoryDirectory = newDirectory();

  async getContent(path: string): Promise<Buffer> {
    return Buffer.from(fileContent(this.findFile(path)));
  }

  async putContent(path: string, content: Buffer): Promise<void> {
    const { parent, name } = this.prepareFile(path);
    // A fresh node replaces the old one whole, as rename(2) does; open readers keep the old bytes.
    attach(parent, name, { kind: 'file', chunks: [Buffer.from(content)], size: content.length, modTime: new Date() });
  }

  async reader(path: string, offset = 0, length?: number): Promise<Readable> {
    checkPath(path);
    checkRange(path, offset, length);
    const file = this.findFile(path);
    if (offset > file.size) throw new InvalidOffsetError(path, offset, `offset beyond size ${file.size}`);
    const end = length === undefined ? file.size : Math.min(file.size, offset + length);
    return bufferReadable(fileContent(file).subarray(offset, end));
  }

  async openFile(path: string): Promise<RandomAccessFile> {
    checkPath(path);
    // A snapshot, as an open file descriptor keeps reading the inode it opened.
    const content = fileContent(this.findFile(path));
    return {
      size: content.length,
      read: async (into, position) => (position >= content.length ? 0 : content.copy(into, 0, position, position + into.length)),
      close: async () => undefined,
    };
  }

  async writer(path: string, append: boolean): Promise<FileWriter> {
    const { parent, name } = this.prepareFile(path);
    let file = parent.children.get(name) as MemoryFile | undefined;
    if (file && !append) {
      // Truncated in place, as open(2) with O_TRUNC keeps the inode.
      file.chunks = [];
      file.size = 0;
      file.modTime = new Date();
    }
    if (!file) {
      file = { kind: 'file', chunks: [], size: 0, modTime: new Date() };
      attach(parent, name, file);
    }
    return new MemoryFileWriter(file, path, (written) => this.detachIfSame(path, written));
  }

  async stat(path: string): Promise<FileInfo> {
    const node = this.find(path);
    if (!node) throw new PathNotFoundError(path);
    return toFileInfo(path, node);
  }

  async list(path: string): Promise<string[]> {
    return sortedNames(this.findDirectory(path)).map((name) => joinPath(path, name));
  }

  async move(source: string, dest: string): Promise<void> {
    checkPath(source);
    checkPath(dest);
    if (source === '/') throw new InvalidPathError(source, 'cannot move the root');
    if (dest === '/') throw new InvalidPathError(dest, 'cannot replace the root');
    const node = this.find(source);
    if (!node) throw new PathNotFoundError(source);
    if (source === dest) return;
    if (dest.startsWith(`${source}/`)) throw new StorageError(`cannot move ${source} into itself`, dest);
    const { parent, name } = this.makeParents(dest);
    const existing = parent.children.get(name);
    if (existing?.kind === 'dir' && (node.kind === 'file' || existing.children.size > 0)) {
      throw new StorageError(`cannot move onto ${dest}: a directory is in the way`, dest);
    }
    if (existing?.kind === 'file' && node.kind === 'dir') {
      throw new StorageError(`cannot move a directory onto the file ${dest}`, dest);
    }
    const from = this.locate(source);
    if (from.parent) detach(from.parent, from.name);
    attach(parent, name, node);
  }

  async delete(path: string): Promise<void> {
    checkPath(path);
    if (path === '/') throw new InvalidPathError(path, 'cannot delete the root');
    const { parent, name } = this.locate(path);
    if (!parent?.children.has(name)) throw new PathNotFoundError(path);
    detach(parent, name);
  }

  async walk(path: string, fn: (info: FileInfo) => void | Promise<void>): Promise<void> {
    await this.walkDirectory(path, this.findDirectory(path), fn);
  }

  private async walkDirectory(
    path: string,
    directory: MemoryDirectory,
    fn: (info: FileInfo) => void | Promise<void>,
  ): Promise<void> {
    for (const name of sortedNames(directory)) {
      const child = directory.children.get(name);
      // Removed by fn or a concurrent delete since the names were read.
      if (!child) continue;
      const childPath = joinPath(path, name);
      await fn(toFileInfo(childPath, child));
      // A directory fn removed is skipped, as it is on disk.
      if (child.kind === 'dir' && directory.children.get(name) === child) {
        await this.walkDirectory(childPath, child, fn);
      }
    }
  }

  private find(path: string): MemoryNode | undefined {
    let node: MemoryNode = this.root;
    for (const component of pathComponents(path)) {
      if (node.kind !== 'dir') return undefined;
      const next: MemoryNode | undefined = node.children.get(component);
      if (!next) return undefined;
      node = next;
    }
    return node;
  }

  private findFile(path: string): MemoryFile {
    const node = this.find(path);
    if (node?.kind !== 'file') throw new PathNotFoundError(path);
    return node;
  }

  private findDirectory(path: string): MemoryDirectory {
    const node = this.find(path);
    if (node?.kind !== 'dir') throw new PathNotFoundError(path);
    return node;
  }

  /** The existing parent directory of a non-root path (undefined if missing) and the last component. */
  private locate(path: string): { parent: MemoryDirectory | undefined; name: string } {
    const components = pathComponents(path);
    const name = components.pop() ?? '';
    const parent = this.find(components.length === 0 ? '/' : `/${components.join('/')}`);
    return { parent: parent?.kind === 'dir' ? parent : undefined, name };
  }

  /** mkdir -p of the parent of path. */
  private makeParents(path: string): { parent: MemoryDirectory; name: string } {
    const components = pathComponents(path);
    const name = components.pop() ?? '';
    let directory = this.root;
    for (const component of components) {
      let next = directory.children.get(component);
      if (!next) {
        next = newDirectory();
        attach(directory, component, next);
      }
      if (next.kind !== 'dir') throw new StorageError(`cannot write ${path}: a parent is not a directory`, path);
      directory = next;
    }
    return { parent: directory, name };
  }

  /** makeParents for writing a file at path, refusing the root and existing directories. */
  private prepareFile(path: string): { parent: MemoryDirectory; name: string } {
    checkPath(path);
    if (path === '/') throw new StorageError('cannot write / : it is a directory', path);
    const target = this.makeParents(path);
    if (target.parent.children.get(target.name)?.kind === 'dir') {
      throw new StorageError(`cannot write ${path}: a directory is in the way`, path);
    }
    return target;
  }

  /** Removes path only while it still names this file, as a cancelled writer must not delete a replacement. */
  private detachIfSame(path: string, file: MemoryFile): void {
    const { parent, name } = this.locate(path);
    if (parent && parent.children.get(name) === file) detach(parent, name);
  }
}

function newDirectory(): MemoryDirectory {
  return { kind: 'dir', children: new Map(), modTime: new Date() };
}

function attach(parent: MemoryDirectory, name: string, node: MemoryNode): void {
  parent.children.set(name, node);
  parent.modTime = new Date();
}

function detach(parent: MemoryDirectory, name: string): void {
  parent.children.delete(name);
  parent.modTime = new Date();
}

function sortedNames(directory: MemoryDirectory): string[] {
  return [...directory.children.keys()].sort();
}

function toFileInfo(path: string, node: MemoryNode): FileInfo {
  const isDir = node.kind === 'dir';
  return { path, size: isDir ? 0 : node.size, modTime: node.modTime, isDir };
}

/** A byte stream over a snapshot; chunks are copies so a consumer cannot alter stored data. */
function bufferReadable(data: Buffer): Readable {
  let position = 0;
  return new Readable({
    read() {
      if (position >= data.length) {
        this.push(null);
        return;
      }
      const end = Math.min(data.length, position + READ_CHUNK_SIZE);
      this.push(Buffer.from(data.subarray(position, end)));
      position = end;
    },
  });
}
