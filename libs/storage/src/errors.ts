/** Base of every error a StorageDriver throws on purpose; `path` is the storage path involved. */
export class StorageError extends Error {
  constructor(
    message: string,
    readonly path: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StorageError';
  }
}

export class PathNotFoundError extends StorageError {
  constructor(path: string, options?: { cause?: unknown }) {
    super(`path not found: ${path}`, path, options);
    this.name = 'PathNotFoundError';
  }
}

/**
 * The backend has no room left (a full disk, ENOSPC; a filesystem quota, EDQUOT). Not the request's
 * fault and not a bug: callers drop what they had half written and say so, instead of failing blindly.
 */
export class StorageFullError extends StorageError {
  constructor(path: string, options?: { cause?: unknown }) {
    super(`storage is full: no space left to write ${path}`, path, options);
    this.name = 'StorageFullError';
  }
}

export class InvalidPathError extends StorageError {
  constructor(path: string, reason = 'invalid path') {
    super(`${reason}: ${JSON.stringify(path)}`, path);
    this.name = 'InvalidPathError';
  }
}

export class InvalidOffsetError extends StorageError {
  constructor(
    path: string,
    readonly offset: number,
    reason = 'invalid offset',
  ) {
    super(`${reason}: offset ${offset} of ${path}`, path);
    this.name = 'InvalidOffsetError';
  }
}
