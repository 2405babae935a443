import { printable, unstorableTextIssues, unstorableTextProblem } from './storable-text';

describe('storable text', () => {
  it('refuses NUL and lone surrogates, and nothing else', () => {
    expect(unstorableTextProblem('a\u0000b')).toBe('must not contain NUL (\\u0000) characters');
    expect(unstorableTextProblem('\ud800x')).toBe('must be valid Unicode text (it has a lone UTF-16 surrogate)');
    expect(unstorableTextProblem('x\udc00')).toBeDefined();
    for (const fine of ['', 'plain', '镜像 🚢', '\u0001\u001b\u007f', '\ufffd', 'a'.repeat(100_000)]) expect(unstorableTextProblem(fine)).toBeUndefined();
  });

  it('finds every bad string and key in a JSON value, with its path', () => {
    const issues = unstorableTextIssues({ name: 'ok', permissions: ['pull', 'p\u0000sh'], nested: { ['k\u0000']: 'v', deep: [{ x: '\ud800' }] }, n: 1, b: null });
    expect(issues).toEqual([
      { path: 'permissions.1', message: 'must not contain NUL (\\u0000) characters' },
      { path: 'nested.k\\0', message: 'names a field that must not contain NUL (\\u0000) characters' },
      { path: 'nested.deep.0.x', message: 'must be valid Unicode text (it has a lone UTF-16 surrogate)' },
    ]);
    expect(unstorableTextIssues('\u0000')).toEqual([{ path: '', message: 'must not contain NUL (\\u0000) characters' }]);
    expect(unstorableTextIssues({ fine: ['a', { b: 'c' }] })).toEqual([]);
  });

  it('echoes a value printably and briefly', () => {
    expect(printable('a\u0000\ud800')).toBe('a\\0\ufffd');
    expect(printable('x'.repeat(150))).toBe(`${'x'.repeat(100)}…`);
  });
});
