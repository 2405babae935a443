import type { Readable, Writable } from 'node:stream';
import { InvalidOffsetError, InvalidPathError } from './errors';

export interface FileInfo {
  path: string;
  /** Bytes for a file; 0 for a directory. */
  size: number;
  modTime: Date;
  isDir: boolean;
}

/** A streaming writer; exactly one of commit, cancel or close ends its life. */
export interface FileWriter extends Writable {
  /** Bytes in the file so far: the existing size when opened in append mode plus bytes written. */
  readonly size: number;
  /** Flushes everything, fsyncs and closes; the file stays. */
  commit(): Promise<void>;
  /** Closes and deletes the file. */
  cancel(): Promise<void>;
  /** Flushes and closes without fsync (an interrupted chunk); data written so far stays. */
  close(): Promise<void>;
}

/**
 * Positional reads into buffers the caller owns, so a caller streaming a multi-GiB blob can reuse a few
 * buffers instead of allocating one per chunk (the garbage they leave costs more than the copy).
 */
export interface RandomAccessFile {
  readonly size: number;
  /** Reads up to `into.length` bytes at `position`; 0 at or past the end. */
  read(into: Buffer, position: number): Promise<number>;
  close(): Promise<void>;
}

export interface StorageDriver {
  readonly name: string;
  /** Whole content of a small file. */
  getContent(path: string): Promise<Buffer>;
  /** Atomically replaces the file (temp + rename), creating parent directories. */
  putContent(path: string, content: Buffer): Promise<void>;
  /** Ranged read; InvalidOffsetError if offset is negative or beyond the size. */
  reader(path: string, offset?: number, length?: number): Promise<Readable>;
  /** Opens a file for positional reads; PathNotFoundError if missing or a directory. */
  openFile(path: string): Promise<RandomAccessFile>;
  /** Creates parent directories; append=false truncates. */
  writer(path: string, append: boolean): Promise<FileWriter>;
  stat(path: string): Promise<FileInfo>;
  /** Full paths of the direct children, sorted; PathNotFoundError if there is no directory at path. */
  list(path: string): Promise<string[]>;
  /** Atomically replaces dest, creating its parents; PathNotFoundError if source is missing. */
  move(source: string, dest: string): Promise<void>;
  /** Deletes a file or a directory tree; PathNotFoundError if missing. */
  delete(path: string): Promise<void>;
  /** Visits every descendant of path (files and directories), depth-first, sorted, awaiting fn each time; PathNotFoundError if there is no directory at path. */
  walk(path: string, fn: (info: FileInfo) => void | Promise<void>): Promise<void>;
  /** A URL the client can fetch the content from directly, or undefined to serve it through the registry. */
  redirectURL?(path: string, method: 'GET' | 'HEAD'): Promise<string | undefined>;
}

export const PATH_COMPONENT_PATTERN = /^[A-Za-z0-9._-]+$/;
/** NAME_MAX on common filesystems; enforced here so every driver accepts the same paths. */
export const MAX_PATH_COMPONENT_LENGTH = 255;

/** True when name can be one component of a storage path. */
export function isValidPathComponent(name: string): boolean {
  return (
    name.length <= MAX_PATH_COMPONENT_LENGTH &&
    PATH_COMPONENT_PATTERN.test(name) &&
    name !== '.' &&
    name !== '..'
  );
}

/** Throws InvalidPathError unless path is an absolute, normalized storage path; returns it unchanged. */
export function checkPath(path: string): string {
  if (typeof path !== 'string') throw new InvalidPathError(String(path), 'path must be a string');
  if (path === '/') return path;
  if (!path.startsWith('/')) throw new InvalidPathError(path, 'path must be absolute');
  for (const component of path.slice(1).split('/')) {
    if (!isValidPathComponent(component)) throw new InvalidPathError(path);
  }
  return path;
}

/** The components of a checked path; [] for the root. */
export function pathComponents(path: string): string[] {
  return checkPath(path) === '/' ? [] : path.slice(1).split('/');
}

/** Child path of a directory path and a component. */
export function joinPath(dir: string, name: string): string {
  return dir === '/' ? `/${name}` : `${dir}/${name}`;
}

/** Throws InvalidOffsetError for a negative or fractional offset or length. */
export function checkRange(path: string, offset: number, length?: number): void {
  if (!Number.isSafeInteger(offset) || offset < 0) throw new InvalidOffsetError(path, offset);
  if (length !== undefined && (!Number.isSafeInteger(length) || length < 0)) {
    throw new InvalidOffsetError(path, offset, `invalid length ${length}`);
  }
}
