import { InvalidPathError, PathNotFoundError, StorageError, StorageFullError } from './errors';

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

/** True for the errno values that mean nothing is at the path (or a parent is a file). */
export function isMissing(error: unknown): boolean {
  const code = errorCode(error);
  return code === 'ENOENT' || code === 'ENOTDIR';
}

function toStorageError(error: unknown, path: string, action: string): StorageError {
  if (error instanceof StorageError) return error;
  if (errorCode(error) === 'ENAMETOOLONG') return new InvalidPathError(path, 'path too long');
  if (isNoSpace(error)) return new StorageFullError(path, { cause: error });
  const detail = error instanceof Error ? error.message : String(error);
  return new StorageError(`${action} ${path} failed: ${detail}`, path, { cause: error });
}

/** ENOSPC (the filesystem is full) or EDQUOT (the user's disk quota is). */
export function isNoSpace(error: unknown): boolean {
  const code = errorCode(error);
  return code === 'ENOSPC' || code === 'EDQUOT';
}

/** Maps an fs error from reading: a missing path, a file under a file, or a directory where a file was asked for. */
export function readError(error: unknown, path: string, action = 'read'): StorageError {
  if (isMissing(error) || errorCode(error) === 'EISDIR') return new PathNotFoundError(path, { cause: error });
  return toStorageError(error, path, action);
}

/** Maps an fs error from writing, creating or renaming; nothing here is "not found" but the caller's source. */
export function writeError(error: unknown, path: string, action = 'write'): StorageError {
  switch (errorCode(error)) {
    case 'EISDIR':
    case 'ENOTEMPTY':
      return new StorageError(`cannot ${action} ${path}: a directory is in the way`, path, { cause: error });
    case 'ENOTDIR':
    case 'EEXIST':
      return new StorageError(`cannot ${action} ${path}: a parent is not a directory`, path, { cause: error });
    default:
      return toStorageError(error, path, action);
  }
}
