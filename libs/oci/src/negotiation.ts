import { normalizeMediaType } from './media-types';

interface MediaRange {
  type: string;
  subtype: string;
  q: number;
}

function parseRange(text: string): MediaRange | null {
  const [name, ...params] = text.split(';');
  const slash = name.indexOf('/');
  if (slash <= 0) return null;
  const type = name.slice(0, slash).trim().toLowerCase();
  const subtype = name.slice(slash + 1).trim().toLowerCase();
  if (type === '' || subtype === '' || (type === '*' && subtype !== '*')) return null;
  let q = 1;
  for (const param of params) {
    const [key, value] = param.split('=').map((part) => part.trim());
    if (key.toLowerCase() !== 'q' || value === undefined) continue;
    const parsed = Number(value);
    if (value !== '' && Number.isFinite(parsed)) q = Math.min(Math.max(parsed, 0), 1);
  }
  return { type, subtype, q };
}

/** 2 for an exact match, 1 for `type/*`, 0 for `*\/*`, -1 for no match: the most specific range decides. */
function specificity(range: MediaRange, type: string, subtype: string): number {
  if (range.type === type && range.subtype === subtype) return 2;
  if (range.type === type && range.subtype === '*') return 1;
  if (range.type === '*' && range.subtype === '*') return 0;
  return -1;
}

/**
 * Whether the Accept header(s) allow `mediaType` (RFC 9110: the most specific matching range's q decides;
 * q=0 refuses). No Accept header, or one with no parseable media range, accepts anything.
 */
export function accepts(acceptHeaders: string | readonly string[] | undefined, mediaType: string): boolean {
  const joined = typeof acceptHeaders === 'string' ? acceptHeaders : (acceptHeaders ?? []).join(',');
  const ranges = joined
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map(parseRange)
    .filter((range): range is MediaRange => range !== null);
  if (ranges.length === 0) return true;

  const target = normalizeMediaType(mediaType);
  const slash = target.indexOf('/');
  const type = target.slice(0, slash);
  const subtype = target.slice(slash + 1);
  let best = -1;
  let q = 0;
  for (const range of ranges) {
    const score = specificity(range, type, subtype);
    if (score > best) {
      best = score;
      q = range.q;
    } else if (score === best && score >= 0) {
      q = Math.max(q, range.q);
    }
  }
  return best >= 0 && q > 0;
}
