import os from 'node:os';
import { Transform, TransformCallback } from 'node:stream';
import zlib from 'node:zlib';
import { Decompress } from 'fzstd';

/**
 * gzip level for layers that arrive uncompressed. Level 1 compresses a typical root filesystem only about
 * 6% worse than the default 6 and twice as fast (about 60 vs 28 MiB/s on one core here), and compression is
 * what bounds an import of a `docker save` archive; the bytes are the same for the same input on every run
 * and machine, so re-imports deduplicate.
 */
export const LAYER_GZIP_LEVEL = 1;

/**
 * Blocks deflated at once: one more than the cores, so a core never waits while the oldest block is handed
 * on (on 2 cores: 100 MiB/s of /usr's files against 84 with 2 at once), but one thread short of libuv's
 * pool (`UV_THREADPOOL_SIZE`, 4 by default), which also serves file reads for pulls and argon2 for logins.
 */
const THREAD_POOL_SIZE = Number(process.env.UV_THREADPOOL_SIZE) || 4;
const GZIP_CONCURRENCY = Math.max(1, Math.min(THREAD_POOL_SIZE - 1, os.availableParallelism() + 1));

export function createLayerGzip(): Transform {
  return new ParallelGzip(LAYER_GZIP_LEVEL, GZIP_CONCURRENCY);
}

type ZstdDecompressFactory = () => Transform;

/** Node 22.15+ has zstd in zlib (native, several times faster); older ones decompress with fzstd. */
const nativeZstd = (zlib as unknown as { createZstdDecompress?: ZstdDecompressFactory }).createZstdDecompress;

/** A stream that inflates a gzip or zstd layer or archive, with back-pressure: what import and export both read layers through. */
export function createDecompressor(kind: 'gzip' | 'zstd'): Transform {
  if (kind === 'gzip') return zlib.createGunzip({ chunkSize: 256 * 1024 });
  return nativeZstd ? nativeZstd() : new FzstdDecompress();
}

/** zstd input is fed to fzstd in slices this small: one push's output is bounded by the slice (a 4-byte RLE block can stand for 128 KiB). */
const ZSTD_SLICE = 4 * 1024;

/**
 * fzstd's streaming decoder as a Transform; it emits a fresh buffer per zstd block (at most 128 KiB).
 * fzstd has no back-pressure of its own, so a chunk is fed a slice at a time and, once the reader has
 * enough, the rest waits until it asks for more.
 */
export class FzstdDecompress extends Transform {
  /** The last push filled the readable side. */
  private full = false;
  /** The rest of a chunk, fed when the reader next asks for more. */
  private paused?: () => void;
  private readonly decoder = new Decompress((data) => {
    if (data.length > 0) this.full = !this.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  });

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.feed(chunk, 0, callback);
  }

  override _read(size: number): void {
    const paused = this.paused;
    if (!paused) return super._read(size);
    this.paused = undefined;
    paused();
  }

  override _flush(callback: TransformCallback): void {
    try {
      this.decoder.push(new Uint8Array(0), true);
      callback();
    } catch (err) {
      callback(zstdError(err));
    }
  }

  private feed(chunk: Buffer, from: number, callback: TransformCallback): void {
    try {
      for (let offset = from; offset < chunk.length; ) {
        this.full = false;
        this.decoder.push(chunk.subarray(offset, offset + ZSTD_SLICE));
        offset += ZSTD_SLICE;
        // Only after a push that said "full": that push also makes the stream call _read once drained.
        if (this.full && offset < chunk.length) {
          this.paused = () => this.feed(chunk, offset, callback);
          return;
        }
      }
    } catch (err) {
      callback(zstdError(err));
      return;
    }
    callback();
  }
}

function zstdError(err: unknown): Error {
  const message = err instanceof Error ? err.message : String(err);
  return Object.assign(new Error(`zstd: ${message}`), { code: 'ZSTD_ERROR' });
}

const GZIP_BLOCK_BYTES = 1024 * 1024;
const DEFLATE_WINDOW_BYTES = 32 * 1024;
// mtime 0, no flags, OS "unknown" (what Go writes): the same bytes on every machine.
const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff]);

function deflateRaw(block: Buffer, options: zlib.ZlibOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => zlib.deflateRaw(block, options, (err, out) => (err ? reject(err) : resolve(out))));
}

/** Four slices of this size, spread over a block, tell whether deflate would gain anything on it. */
const PROBE_SLICE_BYTES = 8 * 1024;
/** A block whose probes do not shrink below this share of their size is stored, not deflated. */
const INCOMPRESSIBLE_RATIO = 0.97;

/**
 * Whether a block is worth deflating, from four 8 KiB slices compressed alone at level 1 (in the thread
 * pool). Deflate at level 1 runs at ~43 MiB/s per core on bytes it cannot shrink (what layers of
 * `.gz`, `.jar`, `.png` or encrypted files hold) and ~85 MiB/s on ordinary files, and gains nothing on the
 * former (gzip level 1 of random bytes is 0.03% *larger*); stored blocks copy at ~1.5 GiB/s. The probes
 * cost ~3% on compressible blocks. The verdict depends on the bytes only, so the output stays deterministic.
 */
export async function worthDeflating(block: Buffer): Promise<boolean> {
  if (block.length < 4 * PROBE_SLICE_BYTES) return true;
  const step = Math.floor(block.length / 4);
  const probes = [0, 1, 2, 3].map((i) => block.subarray(i * step, i * step + PROBE_SLICE_BYTES));
  const out = await deflateRaw(Buffer.concat(probes), { level: 1 });
  return out.length < INCOMPRESSIBLE_RATIO * 4 * PROBE_SLICE_BYTES;
}

/**
 * One block of the stream: level 0 (stored) when probing says deflate would not shrink it. The output
 * buffer holds the whole result (deflate's bound: 5 bytes per 16 KiB over the input), so zlib does the
 * block in one trip to the thread pool instead of one per 16 KiB of output (measured: ~12% faster).
 */
export async function deflateBlock(block: Buffer, options: zlib.ZlibOptions): Promise<Buffer> {
  const level = options.level !== 0 && !(await worthDeflating(block)) ? 0 : options.level;
  const chunkSize = Math.max(zlib.constants.Z_MIN_CHUNK, block.length + Math.ceil(block.length / 16384) * 5 + 1024);
  return deflateRaw(block, { ...options, level, chunkSize });
}

/**
 * gzip with the blocks compressed in parallel on libuv's thread pool, the way pigz does it: the input is
 * cut into 1 MiB blocks, each deflated on its own with the previous 32 KiB as its dictionary and ended with
 * a sync flush, and the results are concatenated in order into one ordinary gzip member. Blocks deflate
 * cannot shrink are stored (see worthDeflating). The output depends on the bytes, the level and the block
 * size only, never on timing, so the same layer compresses to the same bytes.
 */
export class ParallelGzip extends Transform {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private dictionary = Buffer.alloc(0);
  private readonly inFlight: Promise<Buffer>[] = [];
  private crc = 0;
  private size = 0;

  constructor(
    private readonly level: number,
    private readonly concurrency: number,
  ) {
    super({ readableHighWaterMark: 4 * GZIP_BLOCK_BYTES, writableHighWaterMark: GZIP_BLOCK_BYTES });
    this.push(GZIP_HEADER);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.crc = zlib.crc32(chunk, this.crc);
    this.size += chunk.length;
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    this.submitFullBlocks().then(() => callback(), callback);
  }

  override _flush(callback: TransformCallback): void {
    (async () => {
      await this.submitFullBlocks();
      await this.submit(this.takeBytes(this.pendingBytes), true);
      while (this.inFlight.length > 0) this.push(await this.inFlight.shift()!);
      const trailer = Buffer.alloc(8);
      trailer.writeUInt32LE(this.crc >>> 0, 0);
      trailer.writeUInt32LE(this.size % 2 ** 32, 4);
      this.push(trailer);
    })().then(() => callback(), callback);
  }

  private async submitFullBlocks(): Promise<void> {
    while (this.pendingBytes >= GZIP_BLOCK_BYTES) await this.submit(this.takeBytes(GZIP_BLOCK_BYTES), false);
  }

  /** Starts deflating a block; with the pool full, first waits for the oldest and passes it on (order kept). */
  private async submit(block: Buffer, last: boolean): Promise<void> {
    // memLevel 9 (zlib's largest hash table): ~11% faster than the default 8 at level 1 on /usr's files, same size.
    const options: zlib.ZlibOptions = { level: this.level, memLevel: 9, finishFlush: last ? zlib.constants.Z_FINISH : zlib.constants.Z_SYNC_FLUSH };
    if (this.dictionary.length > 0) options.dictionary = this.dictionary;
    const done = deflateBlock(block, options);
    done.catch(() => undefined);
    this.inFlight.push(done);
    // The last 32 KiB seen; a full block holds them all, without copying the block (1 GiB of memcpy per GiB otherwise).
    const tail = block.length >= DEFLATE_WINDOW_BYTES ? block : Buffer.concat([this.dictionary, block]);
    this.dictionary = Buffer.from(tail.subarray(-DEFLATE_WINDOW_BYTES));
    while (this.inFlight.length >= this.concurrency) this.push(await this.inFlight.shift()!);
  }

  private takeBytes(bytes: number): Buffer {
    const all = this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending);
    const block = all.subarray(0, bytes);
    const rest = all.subarray(bytes);
    this.pending = rest.length > 0 ? [rest] : [];
    this.pendingBytes = rest.length;
    return block;
  }
}
