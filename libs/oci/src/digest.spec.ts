import { digestOf, isDigest, parseDigest } from './digest';
import { RegistryError } from './errors';

const HEX64 = 'a'.repeat(64);
const HEX128 = '0123456789abcdef'.repeat(8);

function digestError(input: string): RegistryError {
  try {
    parseDigest(input);
  } catch (error) {
    return error as RegistryError;
  }
  throw new Error(`expected ${input} to be rejected`);
}

describe('parseDigest', () => {
  it('parses sha256 and sha512', () => {
    expect(parseDigest(`sha256:${HEX64}`)).toEqual({ algorithm: 'sha256', hex: HEX64, digest: `sha256:${HEX64}` });
    expect(parseDigest(`sha512:${HEX128}`)).toEqual({ algorithm: 'sha512', hex: HEX128, digest: `sha512:${HEX128}` });
  });

  it.each([
    ['empty', ''],
    ['no colon', HEX64],
    ['no algorithm', `:${HEX64}`],
    ['no encoded part', 'sha256:'],
    ['two colons', `sha256:${HEX64}:x`],
    ['uppercase algorithm', `SHA256:${HEX64}`],
    ['whitespace', ` sha256:${HEX64}`],
    ['trailing newline', `sha256:${HEX64}\n`],
    ['separator at end of algorithm', `sha256+:${HEX64}`],
    ['slash in encoded', `sha256:${'a'.repeat(63)}/`],
  ])('rejects bad grammar: %s', (_label, input) => {
    const error = digestError(input);
    expect(error).toBeInstanceOf(RegistryError);
    expect(error.code).toBe('DIGEST_INVALID');
    expect(error.status).toBe(400);
  });

  it.each([
    ['md5', `md5:${'a'.repeat(32)}`],
    ['sha384', `sha384:${'a'.repeat(96)}`],
    ['blake3', `blake3:${HEX64}`],
    ['grammatical multi-part algorithm', `sha256+b64u:${HEX64}`],
  ])('rejects unsupported algorithm %s', (_label, input) => {
    const error = digestError(input);
    expect(error.code).toBe('DIGEST_INVALID');
    expect(error.message).toMatch(/unsupported digest algorithm/);
  });

  it.each([
    ['63 hex', `sha256:${'a'.repeat(63)}`],
    ['65 hex', `sha256:${'a'.repeat(65)}`],
    ['uppercase hex', `sha256:${'A'.repeat(64)}`],
    ['non-hex letters', `sha256:${'g'.repeat(64)}`],
    ['sha512 with 64 hex', `sha512:${HEX64}`],
    ['sha256 with 128 hex', `sha256:${HEX128}`],
    ['base64 padding', `sha256:${'a'.repeat(63)}=`],
  ])('rejects wrong encoded part: %s', (_label, input) => {
    const error = digestError(input);
    expect(error.code).toBe('DIGEST_INVALID');
    expect(error.message).toMatch(/lowercase hex/);
  });

  it('echoes the offending digest in detail, bounded', () => {
    expect(digestError('nope').detail).toEqual({ digest: 'nope' });
    const long = `sha256:${'a'.repeat(5000)}`;
    expect((digestError(long).detail as { digest: string }).digest.length).toBeLessThanOrEqual(256);
  });

  it('rejects non-strings at runtime', () => {
    expect(digestError(undefined as unknown as string).code).toBe('DIGEST_INVALID');
  });
});

describe('isDigest', () => {
  it('mirrors parseDigest without throwing', () => {
    expect(isDigest(`sha256:${HEX64}`)).toBe(true);
    expect(isDigest(`sha512:${HEX128}`)).toBe(true);
    expect(isDigest(`sha256:${HEX64.toUpperCase()}`)).toBe(false);
    expect(isDigest('latest')).toBe(false);
  });
});

describe('digestOf', () => {
  it('hashes with sha256 by default', () => {
    expect(digestOf(Buffer.from(''))).toBe('sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(digestOf(Buffer.from('{}'))).toBe('sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a');
  });

  it('hashes with sha512 on request and the result parses', () => {
    const digest = digestOf(Buffer.from('abc'), 'sha512');
    expect(digest).toBe(
      'sha512:ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f',
    );
    expect(parseDigest(digest).algorithm).toBe('sha512');
  });

  it('refuses an unsupported algorithm', () => {
    expect(() => digestOf(Buffer.from(''), 'md5' as 'sha256')).toThrow(RangeError);
  });
});
