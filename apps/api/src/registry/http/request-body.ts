import type { IncomingMessage } from 'node:http';
import { OciErrors } from '@berth/oci';
import type { UploadBody } from '../upload.service';

/** The request as a streamed body, or undefined when the client sent none. */
export function requestBody(req: IncomingMessage): UploadBody | undefined {
  const header = req.headers['content-length'];
  const length = header === undefined ? undefined : Number(header);
  if (length === 0) return undefined;
  if (length === undefined && req.headers['transfer-encoding'] === undefined) return undefined;
  if (length !== undefined && !Number.isSafeInteger(length)) throw OciErrors.blobUploadInvalid('malformed Content-Length');
  return { stream: req, length };
}

/**
 * Reads a small body (a manifest) into memory, refusing anything past `limit` bytes. The excess is
 * drained, not read into memory, so the client still receives the 413 on its connection.
 */
export function readBodyLimited(req: IncomingMessage, limit: number): Promise<Buffer> {
  const tooLarge = () => OciErrors.sizeInvalid(`body exceeds the ${limit}-byte limit`, { limit }, { status: 413 });
  if (Number(req.headers['content-length'] ?? 0) > limit) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const onData = (chunk: Buffer) => {
      total += chunk.length;
      if (total <= limit) return void chunks.push(chunk);
      req.off('data', onData);
      req.off('end', onEnd);
      req.resume();
      reject(tooLarge());
    };
    const onEnd = () => resolve(Buffer.concat(chunks, total));
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('error', reject);
  });
}
