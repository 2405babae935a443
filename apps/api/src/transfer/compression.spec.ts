import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import zlib from 'node:zlib';
import { createDecompressor, deflateBlock, FzstdDecompress, ParallelGzip, worthDeflating } from './compression';

/** Compressible but not trivial: text with random words, in uneven chunks. */
function sample(bytes: number): Buffer {
  const words = Array.from({ length: 512 }, () => randomBytes(4).toString('hex'));
  let text = '';
  while (text.length < bytes) text += `${words[text.length % 509]} ${words[(text.length * 7) % 503]}\n`;
  return Buffer.from(text.slice(0, bytes));
}

async function gzipWith(data: Buffer, concurrency: number): Promise<Buffer> {
  const chunks = Array.from({ length: Math.ceil(data.length / 70_001) }, (_, i) => data.subarray(i * 70_001, (i + 1) * 70_001));
  return buffer(Readable.from(chunks).pipe(new ParallelGzip(1, concurrency)));
}

describe('ParallelGzip', () => {
  it('writes one ordinary gzip member, the same bytes whatever the concurrency', async () => {
    const data = sample(5 * 1024 * 1024 + 12345);
    const one = await gzipWith(data, 1);
    const four = await gzipWith(data, 4);
    expect(createHash('sha256').update(one).digest('hex')).toBe(createHash('sha256').update(four).digest('hex'));
    expect(zlib.gunzipSync(four).equals(data)).toBe(true);
    expect(one.length).toBeLessThan(data.length / 2);
    expect([...one.subarray(0, 4)]).toEqual([0x1f, 0x8b, 8, 0]);
  });

  it('stores blocks deflate cannot shrink and still deflates the compressible ones beside them', async () => {
    const MiB = 1024 * 1024;
    const random = randomBytes(MiB);
    const text = sample(MiB);
    // Output buffers larger than the result, as deflateBlock uses (level 0's stored blocks depend on the buffer's size).
    const sync = { finishFlush: zlib.constants.Z_SYNC_FLUSH, chunkSize: 2 * MiB };
    // zlib may emit stored blocks for random bytes at level 1 too, but not the same ones as at level 0.
    expect((await deflateBlock(random, { level: 1, ...sync })).equals(zlib.deflateRawSync(random, { level: 0, ...sync }))).toBe(true);
    expect((await deflateBlock(random, { level: 1, ...sync })).equals(zlib.deflateRawSync(random, { level: 1, ...sync }))).toBe(false);
    expect((await deflateBlock(text, { level: 1, ...sync })).equals(zlib.deflateRawSync(text, { level: 1, ...sync }))).toBe(true);

    // random, text, random, text: one member mixing stored and deflated blocks, the same at any concurrency.
    const data = Buffer.concat([random, text, randomBytes(MiB), sample(MiB + 777)]);
    const out = await gzipWith(data, 2);
    expect(zlib.gunzipSync(out).equals(data)).toBe(true);
    expect(createHash('sha256').update(out).digest('hex')).toBe(createHash('sha256').update(await gzipWith(data, 1)).digest('hex'));
    expect(out.length).toBeLessThan(2 * MiB + (await gzipWith(text, 2)).length * 2 + 4096);
  });

  it('judges a block by slices spread over it, not by its start', async () => {
    const MiB = 1024 * 1024;
    expect(await worthDeflating(randomBytes(MiB))).toBe(false);
    expect(await worthDeflating(sample(MiB))).toBe(true);
    // Text after a random first quarter: three of four probes compress.
    expect(await worthDeflating(Buffer.concat([randomBytes(MiB / 4), sample((3 * MiB) / 4)]))).toBe(true);
    expect(await worthDeflating(Buffer.alloc(MiB))).toBe(true);
    // Too small to probe: deflated as before.
    expect(await worthDeflating(randomBytes(16 * 1024))).toBe(true);
  });

  it('compresses an empty input to a valid empty gzip', async () => {
    const empty = await gzipWith(Buffer.alloc(0), 2);
    expect(zlib.gunzipSync(empty).length).toBe(0);
  });

  it('decompresses what it wrote through the stream decompressor the reader uses', async () => {
    const data = sample(3 * 1024 * 1024);
    const out = await buffer(Readable.from([await gzipWith(data, 2)]).pipe(createDecompressor('gzip')));
    expect(out.equals(data)).toBe(true);
  });
});

describe('FzstdDecompress', () => {
  const KiB = 1024;
  /** A zstd frame of RLE blocks: 4 bytes each that stand for 128 KiB of zeros. */
  function zeroFrame(blocks: number): Buffer {
    // Magic, a frame header with no content size and a 128 KiB window, then the blocks (type 1, RLE; the last one flagged).
    const header = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x38]);
    const block = (last: boolean) => {
      const word = ((128 * KiB) << 3) | (1 << 1) | (last ? 1 : 0);
      return Buffer.from([word & 0xff, (word >> 8) & 0xff, (word >> 16) & 0xff, 0x00]);
    };
    return Buffer.concat([header, ...Array.from({ length: blocks }, (_, i) => block(i === blocks - 1))]);
  }

  it('holds back the rest of a chunk while its reader is full, however far the chunk expands', async () => {
    // 2100 blocks in one 8 KiB chunk: 262 MiB of output, which one push into fzstd would produce at once.
    const blocks = 2100;
    const inflate = new FzstdDecompress();
    inflate.write(zeroFrame(blocks));
    inflate.end();
    await new Promise((resolve) => setImmediate(resolve));
    // One 4 KiB slice holds at most 1024 blocks.
    expect(inflate.readableLength).toBeGreaterThan(0);
    expect(inflate.readableLength).toBeLessThanOrEqual(1024 * 128 * KiB);
    let total = 0;
    for await (const chunk of inflate as AsyncIterable<Buffer>) total += chunk.length;
    expect(total).toBe(blocks * 128 * KiB);
  });

  it('decompresses a frame fed a byte at a time, and names a corrupt one', async () => {
    const frame = zeroFrame(3);
    const pieces = Array.from({ length: frame.length }, (_, i) => frame.subarray(i, i + 1));
    expect((await buffer(Readable.from(pieces).pipe(new FzstdDecompress()))).equals(Buffer.alloc(3 * 128 * KiB))).toBe(true);
    const corrupt = Buffer.from(frame);
    corrupt[6] = 0x07; // a reserved block type
    await expect(buffer(Readable.from([corrupt]).pipe(new FzstdDecompress()))).rejects.toMatchObject({ code: 'ZSTD_ERROR', message: expect.stringMatching(/^zstd: /) });
  });
});
