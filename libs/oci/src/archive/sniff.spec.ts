import { describeHead, looksLikeTar, sniffContent } from './sniff';

/** A one-member ustar header with a correct checksum. */
function tarHeader(name = 'file'): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0);
  header.write('0000644\0', 100);
  header.write('00000000000\0', 124);
  header.fill(0x20, 148, 156);
  header.write('0', 156);
  header.write('ustar\u000000', 257, 'latin1');
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return header;
}

describe('sniffContent', () => {
  it('tells archives, compressed streams and JSON apart by their first bytes', () => {
    expect(sniffContent(tarHeader())).toBe('tar');
    expect(sniffContent(Buffer.alloc(1024))).toBe('tar');
    expect(sniffContent(Buffer.from([0x1f, 0x8b, 0x08]))).toBe('gzip');
    expect(sniffContent(Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0]))).toBe('zstd');
    expect(sniffContent(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))).toBe('xz');
    expect(sniffContent(Buffer.from('BZh91AY'))).toBe('bzip2');
    expect(sniffContent(Buffer.from('PK\x03\x04'))).toBe('zip');
    expect(sniffContent(Buffer.from('\uFEFF  {"a":1}'))).toBe('json');
    expect(sniffContent(Buffer.from('[1]'))).toBe('json');
    expect(sniffContent(Buffer.from('hello'))).toBe('data');
    expect(sniffContent(Buffer.alloc(0))).toBe('empty');
  });

  it('needs a whole header block with a valid checksum to call it a tar', () => {
    const header = tarHeader();
    expect(looksLikeTar(header.subarray(0, 511))).toBe(false);
    header[0] = 0x41;
    expect(looksLikeTar(header)).toBe(false);
  });

  it('describes a head for messages: printable text quoted, anything else as bytes', () => {
    expect(describeHead(Buffer.from('hello, world, and more'))).toBe('"hello, world, an"');
    expect(describeHead(Buffer.from([0, 1, 2]))).toBe('bytes 00 01 02');
  });
});
