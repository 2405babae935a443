/**
 * What the first bytes of an upload or a member say it is. Detection is by magic bytes only, never by name:
 * a `.tar.gz` called `layer.tar` is still gzip.
 */
export type ContentKind = 'tar' | 'gzip' | 'zstd' | 'xz' | 'bzip2' | 'zip' | 'json' | 'empty' | 'data';

/** Enough bytes to recognise every kind (a tar header is one 512-byte block). */
export const SNIFF_BYTES = 512;

const GZIP = [0x1f, 0x8b];
const ZSTD = [0x28, 0xb5, 0x2f, 0xfd];
const XZ = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00];
const BZIP2 = [0x42, 0x5a, 0x68];
const ZIP = [0x50, 0x4b, 0x03, 0x04];

function startsWith(head: Uint8Array, magic: readonly number[]): boolean {
  return head.length >= magic.length && magic.every((byte, i) => head[i] === byte);
}

/** True when `head` (at least the first 512 bytes, or the whole content if shorter) opens a tar stream. */
export function looksLikeTar(head: Uint8Array): boolean {
  if (head.length < 512) return false;
  const block = head.subarray(0, 512);
  // An empty tar (only the two zero end blocks) is what an empty layer is.
  if (block.every((byte) => byte === 0)) return true;
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i];
  const field = Buffer.from(block.subarray(148, 156)).toString('latin1').replace(/[\0 ]+$/g, '').trim();
  if (!/^[0-7]+$/.test(field)) return false;
  return parseInt(field, 8) === sum;
}

export function sniffContent(head: Uint8Array): ContentKind {
  if (head.length === 0) return 'empty';
  if (startsWith(head, GZIP)) return 'gzip';
  if (startsWith(head, ZSTD)) return 'zstd';
  if (startsWith(head, XZ)) return 'xz';
  if (startsWith(head, BZIP2)) return 'bzip2';
  if (startsWith(head, ZIP)) return 'zip';
  if (looksLikeTar(head)) return 'tar';
  let i = 0;
  // A UTF-8 byte order mark, then whitespace, then an object or array.
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) i = 3;
  while (i < head.length && (head[i] === 0x20 || head[i] === 0x0a || head[i] === 0x0d || head[i] === 0x09)) i++;
  if (head[i] === 0x7b || head[i] === 0x5b) return 'json';
  return 'data';
}

/** Kinds that are archives or compressed streams themselves. */
export function isArchiveKind(kind: ContentKind): boolean {
  return kind === 'tar' || kind === 'gzip' || kind === 'zstd' || kind === 'xz' || kind === 'bzip2' || kind === 'zip';
}

/** `a gzip-compressed stream`, `a tar archive`: for messages. */
export function describeKind(kind: ContentKind): string {
  switch (kind) {
    case 'tar':
      return 'a tar archive';
    case 'gzip':
      return 'a gzip-compressed stream';
    case 'zstd':
      return 'a zstd-compressed stream';
    case 'xz':
      return 'an xz-compressed stream';
    case 'bzip2':
      return 'a bzip2-compressed stream';
    case 'zip':
      return 'a zip archive';
    case 'json':
      return 'JSON';
    case 'empty':
      return 'empty';
    case 'data':
      return 'neither JSON nor an archive';
  }
}

/** The first bytes of a non-archive, printable, for "not a tar archive" messages. */
export function describeHead(head: Uint8Array): string {
  const sample = Buffer.from(head.subarray(0, 16));
  const printable = [...sample].every((b) => b === 0x09 || b === 0x0a || b === 0x0d || (b >= 0x20 && b < 0x7f));
  return printable ? JSON.stringify(sample.toString('latin1')) : `bytes ${sample.toString('hex').replace(/(..)/g, '$1 ').trim()}`;
}
