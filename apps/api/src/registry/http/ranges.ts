/** Byte ranges as the registry speaks them: `Range: bytes=a-b` on blob GET, `Content-Range: a-b` on upload PATCH. */

export interface ByteRange {
  start: number;
  /** Inclusive. */
  end: number;
}

/**
 * Parses a single-range `Range` header against a blob of `size` bytes.
 * Returns undefined for "no range / ignore it", 'unsatisfiable' for 416.
 */
export function parseRangeHeader(header: string | undefined, size: number): ByteRange | 'unsatisfiable' | undefined {
  if (!header) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined; // multi-range or malformed: RFC 9110 lets us send the whole body
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}

/** Upload chunks carry `Content-Range: <start>-<end>` (no unit, as docker and the OCI spec send it); `bytes ` is tolerated. */
export function parseContentRange(header: string | undefined): ByteRange | 'invalid' | undefined {
  if (header === undefined) return undefined;
  const m = /^(?:bytes[ =])?(\d+)-(\d+)(?:\/(?:\d+|\*))?$/.exec(header.trim());
  if (!m) return 'invalid';
  const start = Number(m[1]);
  const end = Number(m[2]);
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || end < start) return 'invalid';
  return { start, end };
}

/** The `Range` header of an upload status: `0-<last byte>`, and `0-0` before the first byte, as distribution answers. */
export function uploadRangeHeader(size: number): string {
  return `0-${Math.max(0, size - 1)}`;
}
