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
