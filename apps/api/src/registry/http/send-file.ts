import type { ServerResponse } from 'node:http';
import type { RandomAccessFile } from '@berth/storage';
import type { ByteRange } from './ranges';

const CHUNK = 1024 * 1024;
/** Buffers per download: one being read while the others drain into the socket. */
const BUFFERS = 4;

/**
 * Streams `range` of a file to the client through a few reused buffers. A buffer goes back to the pool
 * in its write callback, when the socket no longer needs it, so a multi-GiB blob allocates 4 MiB in all
 * (a fresh Buffer per chunk costs the process a full garbage collection every few dozen MiB). Reads and
 * socket writes overlap. A client that goes away ends the loop; the file is always closed.
 */
export function sendFile(file: RandomAccessFile, range: ByteRange, res: ServerResponse): Promise<void> {
  return sendSegments(file, [range], res);
}

/**
 * Like sendFile, for a body made of literal bytes (multipart headers) and ranges of the file, in order:
 * a multi-range answer streamed with the same buffers, never read whole.
 */
export async function sendSegments(file: RandomAccessFile, segments: readonly (Buffer | ByteRange)[], res: ServerResponse): Promise<void> {
  const largest = Math.max(0, ...segments.map((s) => (Buffer.isBuffer(s) ? 0 : s.end - s.start + 1)));
  const free: Buffer[] = [];
  for (let i = 0; i < Math.min(BUFFERS, Math.ceil(largest / CHUNK)); i++) free.push(Buffer.allocUnsafe(CHUNK));
  let wake: (() => void) | undefined;
  let failed = false;
  const released = (buffer: Buffer) => (err?: Error | null) => {
    if (err) failed = true;
    free.push(buffer);
    wake?.();
  };
  const onClose = () => wake?.();
  res.on('close', onClose);
  try {
    for (const segment of segments) {
      if (Buffer.isBuffer(segment)) {
        if (res.destroyed || failed) return;
        res.write(segment);
        continue;
      }
      const range = segment;
      let position = range.start;
      while (position <= range.end) {
        while (free.length === 0 && !res.destroyed && !failed) await new Promise<void>((resolve) => (wake = resolve));
        if (res.destroyed || failed) return;
        const buffer = free.pop()!;
        const want = Math.min(CHUNK, range.end - position + 1);
        const read = await file.read(want === CHUNK ? buffer : buffer.subarray(0, want), position);
        if (read === 0) throw new Error(`blob ended at ${position}, before ${range.end + 1}`);
        position += read;
        res.write(buffer.subarray(0, read), released(buffer));
      }
    }
    res.end();
  } catch {
    res.destroy();
  } finally {
    res.off('close', onClose);
    await file.close().catch(() => undefined);
  }
}

/** A small in-memory body (a manifest fetched through the blob endpoint) as a file. */
export function bufferFile(content: Buffer): RandomAccessFile {
  return {
    size: content.length,
    read: async (into, position) => (position >= content.length ? 0 : content.copy(into, 0, position, position + into.length)),
    close: async () => undefined,
  };
}
