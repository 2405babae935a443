import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import zlib from 'node:zlib';
import { createDecompressor, ParallelGzip } from './import-compression';

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
