import { formatPlatform, parsePlatform } from './platform';

describe('formatPlatform', () => {
  it('joins os, architecture and variant', () => {
    expect(formatPlatform({ os: 'linux', architecture: 'amd64' })).toBe('linux/amd64');
    expect(formatPlatform({ os: 'linux', architecture: 'arm64', variant: 'v8' })).toBe('linux/arm64/v8');
    expect(formatPlatform({ os: 'linux', architecture: 'arm', variant: '' })).toBe('linux/arm');
  });

  it('leaves os.version out of the short form', () => {
    const windows = { os: 'windows', architecture: 'amd64', 'os.version': '10.0.17763.5830' };
    expect(formatPlatform(windows)).toBe('windows/amd64');
  });
});

describe('parsePlatform', () => {
  it('parses two and three parts', () => {
    expect(parsePlatform('linux/amd64')).toEqual({ os: 'linux', architecture: 'amd64' });
    expect(parsePlatform('linux/arm64/v8')).toEqual({ os: 'linux', architecture: 'arm64', variant: 'v8' });
    expect(parsePlatform(' Linux/ARM/v7 ')).toEqual({ os: 'linux', architecture: 'arm', variant: 'v7' });
  });

  it('round-trips with formatPlatform', () => {
    for (const text of ['linux/amd64', 'linux/arm/v6', 'windows/amd64', 'linux/ppc64le', 'linux/s390x', 'unknown/unknown']) {
      const platform = parsePlatform(text);
      expect(platform).not.toBeNull();
      expect(formatPlatform(platform!)).toBe(text);
    }
  });

  it.each(['', 'linux', 'linux/', '/amd64', 'linux//v8', 'linux/arm64/v8/extra', 'linux/amd 64', 'linux/amd64:latest'])('returns null for %j', (text) => {
    expect(parsePlatform(text)).toBeNull();
  });
});
