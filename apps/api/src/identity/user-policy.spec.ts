import { DomainError } from '../common/domain-error';
import { assertPasswordPolicy, assertValidUsername, normalizeDisplayName, normalizeEmail } from './user-policy';

function codeOf(work: () => unknown): string | undefined {
  try {
    work();
    return undefined;
  } catch (err) {
    return err instanceof DomainError ? err.code : 'not a DomainError';
  }
}

describe('user policy', () => {
  it.each(['ab', 'alice', 'a.b-c_d', '0day', 'x'.repeat(64)])('accepts the username %s', (name) => {
    expect(codeOf(() => assertValidUsername(name))).toBeUndefined();
  });

  it.each(['a', 'x'.repeat(65), 'Alice', '.alice', '-alice', '_alice', 'al ice', 'al/ice', 'al$ice', 'ałice', ''])('rejects the username %j', (name) => {
    expect(codeOf(() => assertValidUsername(name))).toBe('INVALID');
  });

  it('reserves the robot$ namespace with its own message', () => {
    expect(() => assertValidUsername('robot$ci')).toThrow(/reserved for robot accounts/);
    expect(() => assertValidUsername('robot$')).toThrow(/reserved/);
    expect(codeOf(() => assertValidUsername('robot'))).toBeUndefined();
    expect(codeOf(() => assertValidUsername('robots'))).toBeUndefined();
  });

  it('wants passwords of 8 to 1024 characters, counted as characters, not bytes or UTF-16 units', () => {
    expect(codeOf(() => assertPasswordPolicy('1234567'))).toBe('INVALID');
    expect(codeOf(() => assertPasswordPolicy('12345678'))).toBeUndefined();
    expect(codeOf(() => assertPasswordPolicy('😀😀😀😀'))).toBe('INVALID'); // 8 UTF-16 units, 4 characters
    expect(codeOf(() => assertPasswordPolicy('x'.repeat(1024)))).toBeUndefined();
    expect(codeOf(() => assertPasswordPolicy('x'.repeat(1025)))).toBe('INVALID');
    expect(() => assertPasswordPolicy('short', 'newPassword')).toThrow(expect.objectContaining({ details: expect.objectContaining({ field: 'newPassword' }) }));
  });

  it('normalizes emails and display names, empty meaning none', () => {
    expect(normalizeEmail('  Alice@Example.org ')).toBe('Alice@Example.org');
    expect(normalizeEmail('')).toBeNull();
    expect(normalizeEmail(undefined)).toBeNull();
    expect(normalizeEmail(null)).toBeNull();
    for (const bad of ['alice', 'alice@', '@example.org', 'a b@example.org', 'alice@localhost', `${'a'.repeat(250)}@x.io`]) {
      expect(codeOf(() => normalizeEmail(bad))).toBe('INVALID');
    }
    expect(normalizeDisplayName('  Alice Liddell ')).toBe('Alice Liddell');
    expect(normalizeDisplayName('   ')).toBeNull();
    expect(codeOf(() => normalizeDisplayName('Alice\nadmin=true'))).toBe('INVALID');
    expect(codeOf(() => normalizeDisplayName('x'.repeat(129)))).toBe('INVALID');
  });
});
