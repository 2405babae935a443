/** Byte ranges as the registry speaks them: `Range: bytes=a-b` on blob GET, `Content-Range: a-b` on upload PATCH. */

export interface ByteRange {
  start: number;
  /** Inclusive. */
  end: number;
}

/** More ranges than this in one request are ignored (the whole blob is sent), as RFC 9110 allows. */
export const MAX_RANGES = 100;

/**
 * Parses a `Range` header against a blob of `size` bytes, as Go's http.ServeContent (and so distribution)
 * reads it: ranges in the order asked, those starting past the end left out, 'unsatisfiable' (416) when
 * none is left or one is backwards. Undefined means "send the whole blob": no header, one that cannot be
 * parsed, or ranges adding up to more than the blob (or more than MAX_RANGES of them).
 */
export function parseRangeHeader(header: string | undefined, size: number): ByteRange[] | 'unsatisfiable' | undefined {
  if (!header) return undefined;
  const m = /^\s*bytes=(.*)$/.exec(header);
  if (!m) return undefined;
  const specs = m[1].split(',').map((part) => part.trim()).filter((part) => part !== '');
  if (specs.length === 0 || specs.length > MAX_RANGES) return undefined;
  const ranges: ByteRange[] = [];
  for (const spec of specs) {
    const r = /^(\d*)-(\d*)$/.exec(spec);
    if (!r || (r[1] === '' && r[2] === '')) return undefined;
    if (r[1] === '') {
      const suffix = Number(r[2]);
      if (suffix > 0 && size > 0) ranges.push({ start: Math.max(0, size - suffix), end: size - 1 });
      continue;
    }
    const start = Number(r[1]);
    const end = r[2] === '' ? size - 1 : Number(r[2]);
    if (r[2] !== '' && end < start) return 'unsatisfiable';
    if (start >= size) continue;
    ranges.push({ start, end: Math.min(end, size - 1) });
  }
  if (ranges.length === 0) return 'unsatisfiable';
  if (ranges.length > 1 && ranges.reduce((sum, r) => sum + r.end - r.start + 1, 0) > size) return undefined;
  return ranges;
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

/**
 * Whether an `If-None-Match` header names `etag` (a quoted strong tag such as `"sha256:…"`): by weak
 * comparison, as RFC 9110 asks for GET and HEAD, or `*`.
 */
export function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((candidate) => candidate.trim().replace(/^W\//, '') === etag);
}
