/**
 * Tar and gzip bytes built by hand for archive-reader tests, unit and integration alike: nothing here
 * imports the server, Nest or the test Berth.
 */
import zlib from 'node:zlib';

const MiB = 1024 * 1024;

/** The name of the one member of the zero-filled layers below: a `docker save` layer path. */
export const ZERO_LAYER = `${'e'.repeat(64)}/layer.tar`;

/** A ustar header for a regular file of `size` bytes. */
export function tarHeader(name: string, size: number): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0, 100, 'utf8');
  header.write('0000644\0', 100);
  header.write('0000000\0', 108);
  header.write('0000000\0', 116);
  header.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  header.write('00000000000\0', 136);
  header.fill(0x20, 148, 156);
  header.write('0', 156);
  header.write('ustar\u000000', 257, 8, 'latin1');
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'latin1');
  return header;
}

/**
 * A gzip stream of a tar whose one member, ZERO_LAYER, is `size` zero bytes (a multiple of 512), produced
 * as it is sent: one self-contained deflate segment of 1 MiB of zeros (about 1 KiB) repeated, so a
 * multi-GiB bomb costs the test neither memory, disk nor compression time. The chunks are the gzip
 * header, the tar header, then the member in 1 MiB segments and the trailer.
 */
export function* gzipOfZeroLayer(size: number): Generator<Buffer> {
  const header = tarHeader(ZERO_LAYER, size);
  const flush = { finishFlush: zlib.constants.Z_SYNC_FLUSH };
  const segment = zlib.deflateRawSync(Buffer.alloc(MiB), flush);
  yield Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
  yield zlib.deflateRawSync(header, flush);
  const zeros = size + 1024; // the member, then the two zero blocks that end a tar
  for (let left = zeros; left > 0; left -= MiB) yield left >= MiB ? segment : zlib.deflateRawSync(Buffer.alloc(left), flush);
  // Only reached when the reader read it all: a final empty block, then CRC-32 and length of the tar.
  let crc = zlib.crc32(header);
  const block = Buffer.alloc(MiB);
  for (let left = zeros; left > 0; left -= MiB) crc = zlib.crc32(left >= MiB ? block : block.subarray(0, left), crc);
  const trailer = Buffer.from([0x03, 0x00, 0, 0, 0, 0, 0, 0, 0, 0]);
  trailer.writeUInt32LE(crc >>> 0, 2);
  trailer.writeUInt32LE((512 + zeros) % 2 ** 32, 6);
  yield trailer;
}
