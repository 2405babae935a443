import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { FileWriter, StorageDriver } from '../driver';
import type { StorageError } from '../errors';

/** The driver of the running test; sections read it lazily because beforeEach creates a fresh one. */
export type CurrentDriver = () => StorageDriver;

export const MiB = 1024 * 1024;

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export async function sha256OfStream(stream: Readable): Promise<{ digest: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of stream) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { digest: hash.digest('hex'), size };
}

/** Writes one chunk and waits until the writer has taken it. */
export function writeChunk(writer: FileWriter, chunk: Buffer | string): Promise<void> {
  return new Promise((resolve, reject) => writer.write(chunk, (error) => (error ? reject(error) : resolve())));
}

/** Asserts the promise rejects with that StorageError subclass (and, if given, that path). */
export async function expectStorageError(
  promise: Promise<unknown>,
  type: abstract new (...args: never[]) => StorageError,
  path?: string,
): Promise<StorageError> {
  const outcome = await promise.then(
    (value: unknown) => ({ resolved: true as const, value }),
    (error: unknown) => ({ resolved: false as const, error }),
  );
  if (outcome.resolved) throw new Error(`expected a ${type.name}, but the promise resolved`);
  expect(outcome.error).toBeInstanceOf(type);
  const error = outcome.error as StorageError;
  if (path !== undefined) expect(error.path).toBe(path);
  return error;
}
