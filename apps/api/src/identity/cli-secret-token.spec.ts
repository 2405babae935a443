import { generateCliSecretToken, looksLikeCliSecret, parseCliSecretToken } from './cli-secret-token';
import { randomBase62 } from './random-base62';

describe('CLI secret tokens', () => {
  it('are berth_<8 base62>_<32 bytes base64url> and parse back to their prefix', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const { prefix, token } = generateCliSecretToken();
      expect(prefix).toMatch(/^[0-9A-Za-z]{8}$/);
      expect(token).toMatch(/^berth_[0-9A-Za-z]{8}_[0-9A-Za-z_-]{43}$/);
      expect(Buffer.from(token.slice(15), 'base64url')).toHaveLength(32);
      expect(parseCliSecretToken(token)).toEqual({ prefix });
      expect(looksLikeCliSecret(token)).toBe(true);
      seen.add(token);
    }
    expect(seen.size).toBe(200);
  });

  it('finds the prefix by position even when the secret contains underscores', () => {
    const token = `berth_AbCd1234_${'_'.repeat(43)}`;
    expect(parseCliSecretToken(token)).toEqual({ prefix: 'AbCd1234' });
  });

  it.each([
    '',
    'password123',
    'berth_AbCd1234',
    `berth_AbCd123_${'a'.repeat(44)}`,
    `berth_AbCd1234_${'a'.repeat(42)}`,
    `berth_AbCd1234_${'a'.repeat(44)}`,
    `berth_AbCd-234_${'a'.repeat(43)}`,
    `BERTH_AbCd1234_${'a'.repeat(43)}`,
    `berth_AbCd1234_${'a'.repeat(42)}=`,
    ` berth_AbCd1234_${'a'.repeat(43)}`,
  ])('rejects the malformed token %j', (token) => {
    expect(parseCliSecretToken(token)).toBeUndefined();
  });

  it('draws base62 characters with no visible bias', () => {
    const counts = new Map<string, number>();
    const sample = randomBase62(62_000);
    expect(sample).toMatch(/^[0-9A-Za-z]+$/);
    for (const c of sample) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect(counts.size).toBe(62);
    // Expected 1000 each; a modulo bias on bytes would push the first 8 characters to about 1240.
    for (const n of counts.values()) expect(n).toBeLessThan(1150);
  });
});
