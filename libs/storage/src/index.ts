export {
  checkPath,
  checkRange,
  isValidPathComponent,
  joinPath,
  pathComponents,
  MAX_PATH_COMPONENT_LENGTH,
  PATH_COMPONENT_PATTERN,
  type FileInfo,
  type FileWriter,
  type RandomAccessFile,
  type StorageDriver,
} from './driver';
export { InvalidOffsetError, InvalidPathError, PathNotFoundError, StorageError, StorageFullError } from './errors';
export { FilesystemDriver, type FilesystemDriverOptions } from './filesystem.driver';
export { InMemoryDriver } from './memory.driver';
