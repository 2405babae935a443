import { parseContentRange, parseRangeHeader, uploadRangeHeader } from './ranges';

describe('parseRangeHeader', () => {
  it('reads closed, open and suffix ranges', () => {
    expect(parseRangeHeader('bytes=0-9', 100)).toEqual({ start: 0, end: 9 });
    expect(parseRangeHeader('bytes=90-', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRangeHeader('bytes=-10', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRangeHeader('bytes=50-500', 100)).toEqual({ start: 50, end: 99 });
  });
  it('says unsatisfiable past the end, ignores what it cannot read', () => {
    expect(parseRangeHeader('bytes=100-', 100)).toBe('unsatisfiable');
    expect(parseRangeHeader('bytes=9-3', 100)).toBe('unsatisfiable');
    expect(parseRangeHeader('bytes=-0', 100)).toBe('unsatisfiable');
    expect(parseRangeHeader('bytes=0-1,5-6', 100)).toBeUndefined();
    expect(parseRangeHeader('items=0-1', 100)).toBeUndefined();
    expect(parseRangeHeader(undefined, 100)).toBeUndefined();
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
