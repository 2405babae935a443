import { checkPath, checkRange, joinPath, pathComponents } from './driver';
import { InvalidOffsetError, InvalidPathError, PathNotFoundError, StorageError } from './errors';

describe('checkPath', () => {
  it.each(['/', '/a', '/a/b', '/blobs/sha256/ab/abcdef0123/data', '/a.b/c_d/e-f/.x/...', `/${'x'.repeat(255)}`])(
    'accepts %j',
    (path) => {
      expect(checkPath(path)).toBe(path);
    },
  );

  it.each([
    '',
    'relative',
    'a/b',
    '../x',
    '/..',
    '/.',
    '/a/../b',
    '/a/./b',
    '/a//b',
    '//',
    '/a/',
    '/a\\b',
    '/a\0b',
    '/a b',
    '/a:b',
    '/caf\u00e9',
    '/a/%2e%2e',
    `/${'x'.repeat(256)}`,
  ])('rejects %j with InvalidPathError', (path) => {
    expect(() => checkPath(path)).toThrow(InvalidPathError);
  });

  it('rejects a value that is not a string', () => {
    expect(() => checkPath(undefined as unknown as string)).toThrow(InvalidPathError);
  });
});

describe('path helpers', () => {
  it('splits a path into components and joins children', () => {
    expect(pathComponents('/')).toEqual([]);
    expect(pathComponents('/a/b')).toEqual(['a', 'b']);
    expect(joinPath('/', 'a')).toBe('/a');
    expect(joinPath('/a', 'b')).toBe('/a/b');
  });

  it('checkRange refuses negative, fractional and non-finite numbers', () => {
    expect(() => checkRange('/f', 0)).not.toThrow();
    expect(() => checkRange('/f', 5, 0)).not.toThrow();
    for (const [offset, length] of [[-1], [0.5], [Infinity], [0, -2], [0, 1.5], [0, NaN]] as const) {
      expect(() => checkRange('/f', offset, length)).toThrow(InvalidOffsetError);
    }
  });
});

describe('storage errors', () => {
  it('are StorageErrors that carry the path and their own name', () => {
    const errors = [new PathNotFoundError('/p'), new InvalidPathError('/p'), new InvalidOffsetError('/p', 9)];
    for (const error of errors) {
      expect(error).toBeInstanceOf(StorageError);
      expect(error).toBeInstanceOf(Error);
      expect(error.path).toBe('/p');
      expect(error.name).toBe(error.constructor.name);
      expect(error.message).toContain('/p');
    }
  });
});
