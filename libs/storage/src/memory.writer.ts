import { BaseFileWriter } from './file.writer';

/** A file in the in-memory tree; chunks are joined lazily so streamed writes stay linear. */
export interface MemoryFile {
  kind: 'file';
  chunks: Buffer[];
  size: number;
  modTime: Date;
}

/** Same queue size as the filesystem writer, so backpressure behaves alike in tests. */
const WRITE_HIGH_WATER_MARK = 1024 * 1024;

/** Appends into a MemoryFile node; like an open fd it follows the node through moves and outlives deletes. */
export class MemoryFileWriter extends BaseFileWriter {
  private written: number;

  constructor(
    private readonly file: MemoryFile,
    storagePath: string,
    private readonly remove: (file: MemoryFile) => void,
  ) {
    super(storagePath, WRITE_HIGH_WATER_MARK);
    this.written = file.size;
  }

  get size(): number {
    return this.written;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    // Copied because the caller may reuse its buffer once the callback has run.
    this.file.chunks.push(Buffer.from(chunk));
    this.file.size += chunk.length;
    this.file.modTime = new Date();
    this.written += chunk.length;
    callback();
  }

  protected async syncData(): Promise<void> {}

  protected async release(): Promise<void> {}

  protected async removeFile(): Promise<void> {
    this.remove(this.file);
  }
}

/** The whole content of a file as one buffer, compacting its chunks on the way. */
export function fileContent(file: MemoryFile): Buffer {
  if (file.chunks.length !== 1) file.chunks = [Buffer.concat(file.chunks, file.size)];
  return file.chunks[0];
}
