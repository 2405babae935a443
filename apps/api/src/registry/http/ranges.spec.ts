import { etagMatches, MAX_RANGES, parseContentRange, parseRangeHeader, uploadRangeHeader } from './ranges';

describe('parseRangeHeader', () => {
  it('reads closed, open and suffix ranges', () => {
    expect(parseRangeHeader('bytes=0-9', 100)).toEqual([{ start: 0, end: 9 }]);
    expect(parseRangeHeader('bytes=90-', 100)).toEqual([{ start: 90, end: 99 }]);
    expect(parseRangeHeader('bytes=-10', 100)).toEqual([{ start: 90, end: 99 }]);
    expect(parseRangeHeader('bytes=-1000', 100)).toEqual([{ start: 0, end: 99 }]);
    expect(parseRangeHeader('bytes=50-500', 100)).toEqual([{ start: 50, end: 99 }]);
  });
  it('reads several ranges in the order asked, leaving out those past the end', () => {
    expect(parseRangeHeader('bytes=0-1, 5-6,-2', 100)).toEqual([{ start: 0, end: 1 }, { start: 5, end: 6 }, { start: 98, end: 99 }]);
    expect(parseRangeHeader('bytes=50-59,0-9', 100)).toEqual([{ start: 50, end: 59 }, { start: 0, end: 9 }]);
    expect(parseRangeHeader('bytes=0-1,100-,-0', 100)).toEqual([{ start: 0, end: 1 }]);
  });
  it('sends the whole body for ranges adding up to more than it, or too many of them', () => {
    expect(parseRangeHeader('bytes=0-99,0-0', 100)).toBeUndefined();
    expect(parseRangeHeader(`bytes=${Array.from({ length: MAX_RANGES + 1 }, (_, i) => `${i}-${i}`).join(',')}`, 1000)).toBeUndefined();
    expect(parseRangeHeader(`bytes=${Array.from({ length: MAX_RANGES }, (_, i) => `${i}-${i}`).join(',')}`, 1000)).toHaveLength(MAX_RANGES);
  });
  it('says unsatisfiable past the end or backwards, ignores what it cannot read', () => {
    expect(parseRangeHeader('bytes=100-', 100)).toBe('unsatisfiable');
    expect(parseRangeHeader('bytes=100-,200-300', 100)).toBe('unsatisfiable');
    expect(parseRangeHeader('bytes=9-3', 100)).toBe('unsatisfiable');
    expect(parseRangeHeader('bytes=0-1,9-3', 100)).toBe('unsatisfiable');
    expect(parseRangeHeader('bytes=-0', 100)).toBe('unsatisfiable');
    expect(parseRangeHeader('bytes=0-', 0)).toBe('unsatisfiable');
    expect(parseRangeHeader('bytes=0-1,x-6', 100)).toBeUndefined();
    expect(parseRangeHeader('bytes=-', 100)).toBeUndefined();
    expect(parseRangeHeader('bytes=,', 100)).toBeUndefined();
    expect(parseRangeHeader('items=0-1', 100)).toBeUndefined();
    expect(parseRangeHeader(undefined, 100)).toBeUndefined();
  });
});

describe('etagMatches (If-None-Match)', () => {
  const tag = '"sha256:abc"';
  it('matches the tag strongly or weakly, in a list, or *', () => {
    expect(etagMatches(tag, tag)).toBe(true);
    expect(etagMatches('W/"sha256:abc"', tag)).toBe(true);
    expect(etagMatches('"x", W/"y" ,"sha256:abc"', tag)).toBe(true);
    expect(etagMatches('*', tag)).toBe(true);
  });
  it('does not match other tags, unquoted ones, or nothing', () => {
    expect(etagMatches('"sha256:abd"', tag)).toBe(false);
    expect(etagMatches('sha256:abc', tag)).toBe(false);
    expect(etagMatches('', tag)).toBe(false);
    expect(etagMatches(undefined, tag)).toBe(false);
  });
});

describe('parseContentRange', () => {
  it('accepts the forms clients send', () => {
    expect(parseContentRange('0-99')).toEqual({ start: 0, end: 99 });
    expect(parseContentRange('bytes 100-199/*')).toEqual({ start: 100, end: 199 });
    expect(parseContentRange(undefined)).toBeUndefined();
  });
  it('rejects malformed and backwards ranges', () => {
    expect(parseContentRange('abc')).toBe('invalid');
    expect(parseContentRange('10-5')).toBe('invalid');
    expect(parseContentRange('-5')).toBe('invalid');
  });
});

test('uploadRangeHeader', () => {
  expect(uploadRangeHeader(0)).toBe('0-0');
  expect(uploadRangeHeader(10)).toBe('0-9');
});
