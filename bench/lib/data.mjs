// Test data: one random file on disk with cheap per-repetition variants, and an
// in-memory pattern generator for the multi-GiB memory phase.
import crypto from 'node:crypto';
import fs from 'node:fs';

const NONCE_BYTES = 16;
const IO_BYTES = 8 * 1024 * 1024;

export function sha256Digest(buf) {
  return `sha256:${crypto.createHash('sha256').update(buf).digest('hex')}`;
}

/** Writes `bytes` of random data to `file` in 8 MiB blocks (once per run). */
export function createRandomFile(file, bytes) {
  const block = Buffer.allocUnsafe(IO_BYTES);
  const fd = fs.openSync(file, 'w');
  try {
    for (let written = 0; written < bytes; ) {
      const len = Math.min(block.length, bytes - written);
      crypto.randomFillSync(block, 0, len);
      fs.writeSync(fd, block, 0, len);
      written += len;
    }
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * A variant of the random file: its first 16 bytes are replaced by a fresh nonce, so each
 * repetition uploads a blob the registry has never seen, without writing another file.
 */
export async function makeVariant(file, size) {
  if (size <= NONCE_BYTES) throw new Error('blob too small for a variant');
  const nonce = crypto.randomBytes(NONCE_BYTES);
  const hash = crypto.createHash('sha256').update(nonce);
  for await (const chunk of fs.createReadStream(file, { start: NONCE_BYTES, end: size - 1, highWaterMark: IO_BYTES })) {
    hash.update(chunk);
  }
  return { file, size, nonce, digest: `sha256:${hash.digest('hex')}` };
}

/** Streams a variant from disk into `write(chunk)` (which applies backpressure). */
export async function streamVariant(variant, write) {
  await write(variant.nonce);
  const stream = fs.createReadStream(variant.file, {
    start: NONCE_BYTES,
    end: variant.size - 1,
    highWaterMark: IO_BYTES,
  });
  for await (const chunk of stream) await write(chunk);
}

/** Reads bytes [start, start+length) of a variant into `buf` (reused between calls). */
export async function readVariantRange(fh, variant, start, length, buf) {
  for (let got = 0; got < length; ) {
    const { bytesRead } = await fh.read(buf, got, length - got, start + got);
    if (bytesRead === 0) throw new Error(`unexpected end of ${variant.file} at ${start + got}`);
    got += bytesRead;
  }
  if (start < NONCE_BYTES) variant.nonce.copy(buf, 0, start, Math.min(NONCE_BYTES, start + length));
  return buf.subarray(0, length);
}

/**
 * Deterministic stream of `total` bytes for upload number `index`: the shared random pattern,
 * with a 16-byte header (index, block number) at the start of every block so that each upload
 * (and each block) differs. Yields views, never copies of the pattern.
 */
export function* patternBlocks(pattern, index, total) {
  for (let offset = 0, block = 0; offset < total; block++) {
    const len = Math.min(pattern.length, total - offset);
    const header = Buffer.alloc(NONCE_BYTES);
    header.write('berthbnc', 0, 'latin1');
    header.writeUInt32BE(index, 8);
    header.writeUInt32BE(block, 12);
    if (len <= NONCE_BYTES) {
      yield header.subarray(0, len);
    } else {
      yield header;
      yield pattern.subarray(NONCE_BYTES, len);
    }
    offset += len;
  }
}

export function patternDigest(pattern, index, total) {
  const hash = crypto.createHash('sha256');
  for (const part of patternBlocks(pattern, index, total)) hash.update(part);
  return `sha256:${hash.digest('hex')}`;
}
