import { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { FileWriter } from './driver';
import { StorageError, StorageFullError } from './errors';

type WriterState = 'open' | 'committed' | 'closed' | 'cancelled';

/** The commit/cancel/close life cycle shared by every driver's writer; subclasses supply the I/O. */
export abstract class BaseFileWriter extends Writable implements FileWriter {
  private state: WriterState = 'open';

  protected constructor(
    protected readonly storagePath: string,
    highWaterMark: number,
  ) {
    // autoDestroy off: the handle must outlive 'finish' so commit() can fsync before closing it.
    super({ highWaterMark, autoDestroy: false, decodeStrings: true });
  }

  abstract get size(): number;

  /** Makes written data durable. */
  protected abstract syncData(): Promise<void>;
  /** Waits for in-flight writes, then releases the file; idempotent. */
  protected abstract release(): Promise<void>;
  /** Deletes the file this writer wrote. */
  protected abstract removeFile(): Promise<void>;

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.release().then(
      () => callback(error),
      (releaseError: unknown) => callback(error ?? toError(releaseError)),
    );
  }

  async commit(): Promise<void> {
    if (this.state === 'committed') return;
    if (this.state !== 'open') throw new StorageError(`writer already ${this.state}`, this.storagePath);
    try {
      await this.flush();
      await this.syncData();
    } catch (error) {
      // State stays 'open' so the caller can still cancel() and remove the partial file.
      this.destroy();
      await this.release().catch(() => undefined);
      throw wrap(error, this.storagePath);
    }
    this.state = 'committed';
    this.destroy();
    await this.release();
  }

  async close(): Promise<void> {
    if (this.state !== 'open') return;
    this.state = 'closed';
    try {
      // A writer destroyed by a failed pipeline has nothing left to flush; what reached the file stays.
      if (!this.destroyed) await this.flush();
    } catch (error) {
      throw wrap(error, this.storagePath);
    } finally {
      this.destroy();
      await this.release();
    }
  }

  async cancel(): Promise<void> {
    if (this.state === 'cancelled') return;
    if (this.state === 'committed') throw new StorageError('writer already committed', this.storagePath);
    this.state = 'cancelled';
    this.destroy();
    await this.release();
    await this.removeFile();
  }

  private async flush(): Promise<void> {
    if (!this.writableEnded) this.end();
    await finished(this, { readable: false });
  }
}

function toError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

function wrap(error: unknown, path: string): StorageError {
  if (error instanceof StorageError) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  // fsync reports a full disk too (delayed allocation): the same typed error as a failed write.
  if (code === 'ENOSPC' || code === 'EDQUOT') return new StorageFullError(path, { cause: error });
  return new StorageError(`write failed: ${toError(error).message}`, path, { cause: error });
}
