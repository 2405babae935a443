import type { FileHandle } from 'node:fs/promises';
import { rm } from 'node:fs/promises';
import { writeError } from './filesystem.errors';
import { BaseFileWriter } from './file.writer';

/** Lets a few network-sized chunks queue behind an in-flight write so _writev can batch them. */
const WRITE_HIGH_WATER_MARK = 1024 * 1024;
/** Linux IOV_MAX: the most buffers one writev(2) takes. */
const MAX_IOVECS = 1024;

/** Streams straight to an open FileHandle; only the Writable's small queue is ever held in memory. */
export class FilesystemFileWriter extends BaseFileWriter {
  private written: number;
  private inFlight: Promise<void> = Promise.resolve();
  private released?: Promise<void>;

  constructor(
    private readonly handle: FileHandle,
    private readonly fullPath: string,
    storagePath: string,
    initialSize: number,
  ) {
    super(storagePath, WRITE_HIGH_WATER_MARK);
    this.written = initialSize;
  }

  get size(): number {
    return this.written;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.track(this.writeAll([chunk]), callback);
  }

  override _writev(
    chunks: Array<{ chunk: Buffer; encoding: BufferEncoding }>,
    callback: (error?: Error | null) => void,
  ): void {
    this.track(this.writeAll(chunks.map((entry) => entry.chunk)), callback);
  }

  protected async syncData(): Promise<void> {
    await this.handle.sync();
  }

  protected release(): Promise<void> {
    this.released ??= (async () => {
      // The Writable may start the next write from inside a completion callback, so wait until none is left.
      let current: Promise<void>;
      do {
        current = this.inFlight;
        await current.catch(() => undefined);
      } while (current !== this.inFlight);
      await this.handle.close();
    })();
    return this.released;
  }

  protected async removeFile(): Promise<void> {
    try {
      await rm(this.fullPath, { force: true });
    } catch (error) {
      throw writeError(error, this.storagePath, 'delete');
    }
  }

  private track(work: Promise<void>, callback: (error?: Error | null) => void): void {
    this.inFlight = work.then(
      () => callback(),
      (error: unknown) => callback(writeError(error, this.storagePath)),
    );
  }

  private async writeAll(buffers: Buffer[]): Promise<void> {
    let pending = buffers;
    while (pending.length > 0) {
      const batch = pending.length > MAX_IOVECS ? pending.slice(0, MAX_IOVECS) : pending;
      const { bytesWritten } =
        batch.length === 1 ? await this.handle.write(batch[0]) : await this.handle.writev(batch);
      if (bytesWritten === 0 && batch.some((buffer) => buffer.length > 0)) {
        throw new Error('short write: the file accepted no bytes');
      }
      this.written += bytesWritten;
      pending = dropWritten(pending, bytesWritten);
    }
  }
}

/** What is left of buffers after the first `bytes` of them reached the file (writes may be partial). */
function dropWritten(buffers: Buffer[], bytes: number): Buffer[] {
  let index = 0;
  let remaining = bytes;
  while (index < buffers.length && buffers[index].length <= remaining) {
    remaining -= buffers[index].length;
    index += 1;
  }
  if (index === buffers.length) return [];
  const rest = buffers.slice(index);
  rest[0] = rest[0].subarray(remaining);
  return rest;
}
