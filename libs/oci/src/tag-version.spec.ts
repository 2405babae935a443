import { compareTags, parseTag, variantKey, type ParsedTag } from './tag-version';

function sortTags(tags: string[]): string[] {
  return tags
    .map(parseTag)
    .sort(compareTags)
    .map((parsed) => parsed.tag);
}

describe('parseTag', () => {
  it('reads 1.21.6-alpine3.15 as a version with one variant word', () => {
    expect(parseTag('1.21.6-alpine3.15')).toEqual({
      tag: '1.21.6-alpine3.15',
      version: [1, 21, 6],
      variants: ['alpine3.15'],
      moving: false,
      dateLike: false,
      commit: false,
    });
  });

  it('reads 7.0-rc-bullseye as a numberless rc with a variant', () => {
    const parsed = parseTag('7.0-rc-bullseye');
    expect(parsed.version).toEqual([7, 0]);
    expect(parsed.prerelease).toEqual({ kind: 'rc' });
    expect(parsed.variants).toEqual(['bullseye']);
  });

  it('reads 17-buster-slim as a major version with two variants', () => {
    const parsed = parseTag('17-buster-slim');
    expect(parsed.version).toEqual([17]);
    expect(parsed.variants).toEqual(['buster', 'slim']);
  });

  it('reads 3.19 as a bare version', () => {
    const parsed = parseTag('3.19');
    expect(parsed.version).toEqual([3, 19]);
    expect(parsed.variants).toEqual([]);
    expect(parsed.prerelease).toBeUndefined();
    expect(parsed.revision).toBeUndefined();
  });

  it('drops a leading v', () => {
    expect(parseTag('v1.2.3').version).toEqual([1, 2, 3]);
  });

  it('keeps -r1 as a revision, not a variant', () => {
    const parsed = parseTag('1.2.3-r1');
    expect(parsed.version).toEqual([1, 2, 3]);
    expect(parsed.revision).toBe('r1');
    expect(parsed.variants).toEqual([]);
  });

  it('marks 2024.01.15 as a date version', () => {
    const parsed = parseTag('2024.01.15');
    expect(parsed.dateLike).toBe(true);
    expect(parsed.version).toEqual([2024, 1, 15]);
  });

  it('normalises compact and dashed dates to the same components', () => {
    expect(parseTag('20240115')).toMatchObject({ dateLike: true, version: [2024, 1, 15] });
    expect(parseTag('2024-01-15')).toMatchObject({ dateLike: true, version: [2024, 1, 15], variants: [] });
    expect(parseTag('12345678')).toMatchObject({ dateLike: false, version: [12345678] });
  });

  it('does not call ordinary versions dates', () => {
    expect(parseTag('3.19').dateLike).toBe(false);
    expect(parseTag('2024.13.1').dateLike).toBe(false);
  });

  it('marks sha-1a2b3c4 as a commit without a version', () => {
    const parsed = parseTag('sha-1a2b3c4');
    expect(parsed.commit).toBe(true);
    expect(parsed.version).toEqual([]);
    expect(parsed.variants).toEqual([]);
  });

  it('recognises bare hex and git- commits, but not numbers or words', () => {
    expect(parseTag('git-0123456789abcdef').commit).toBe(true);
    expect(parseTag('1a2b3c4d5e6f').commit).toBe(true);
    expect(parseTag('a'.repeat(10) + '1').commit).toBe(true);
    expect(parseTag('1234567').commit).toBe(false);
    expect(parseTag('deadbeef').commit).toBe(false);
    expect(parseTag('1a2b3c').commit).toBe(false);
  });

  it('marks latest as moving without a version', () => {
    const parsed = parseTag('latest');
    expect(parsed.moving).toBe(true);
    expect(parsed.version).toEqual([]);
    expect(parsed.variants).toEqual([]);
  });

  it('reads stable-slim as moving with a variant', () => {
    const parsed = parseTag('stable-slim');
    expect(parsed.moving).toBe(true);
    expect(parsed.variants).toEqual(['slim']);
  });

  it('reads 8.0.1-jdk-focal as a version with two variants', () => {
    const parsed = parseTag('8.0.1-jdk-focal');
    expect(parsed.version).toEqual([8, 0, 1]);
    expect(parsed.variants).toEqual(['jdk', 'focal']);
  });

  it('reads a dotted prerelease number: 1.0.0-rc.1', () => {
    const parsed = parseTag('1.0.0-rc.1');
    expect(parsed.version).toEqual([1, 0, 0]);
    expect(parsed.prerelease).toEqual({ kind: 'rc', number: 1 });
    expect(parsed.variants).toEqual([]);
  });

  it('reads a glued prerelease number: 2.0.0-beta2', () => {
    expect(parseTag('2.0.0-beta2').prerelease).toEqual({ kind: 'beta', number: 2 });
  });

  it('reads prerelease spellings 1.0.0rc1, 1.0.0a1 and 1.0.0-rc-1', () => {
    expect(parseTag('1.0.0rc1')).toMatchObject({ version: [1, 0, 0], prerelease: { kind: 'rc', number: 1 } });
    expect(parseTag('1.0.0a1').prerelease).toEqual({ kind: 'alpha', number: 1 });
    expect(parseTag('1.0.0-rc-1')).toMatchObject({ prerelease: { kind: 'rc', number: 1 }, variants: [] });
  });

  it('reads 1.25.3-alpine', () => {
    expect(parseTag('1.25.3-alpine')).toMatchObject({ version: [1, 25, 3], variants: ['alpine'] });
  });

  it('reads 16-alpine3.18', () => {
    expect(parseTag('16-alpine3.18')).toMatchObject({ version: [16], variants: ['alpine3.18'] });
  });

  it('reads 3.12-slim-bookworm', () => {
    expect(parseTag('3.12-slim-bookworm')).toMatchObject({ version: [3, 12], variants: ['slim', 'bookworm'] });
  });

  it('reads 0.9', () => {
    expect(parseTag('0.9').version).toEqual([0, 9]);
  });

  it('reads latest-alpine as moving with a variant', () => {
    expect(parseTag('latest-alpine')).toMatchObject({ moving: true, version: [], variants: ['alpine'] });
  });

  it('reads windowsservercore-ltsc2022 as variants only', () => {
    expect(parseTag('windowsservercore-ltsc2022')).toMatchObject({
      version: [],
      moving: false,
      commit: false,
      variants: ['windowsservercore', 'ltsc2022'],
    });
  });

  it('keeps +build metadata as revision text', () => {
    const parsed = parseTag('1.0.0+build.5');
    expect(parsed.version).toEqual([1, 0, 0]);
    expect(parsed.revision).toBe('build.5');
    expect(parsed.variants).toEqual([]);
  });

  it('keeps packaging revisions from bitnami-style and temurin-style tags', () => {
    expect(parseTag('1.25.3-debian-11-r5')).toMatchObject({ variants: ['debian', '11'], revision: 'r5' });
    expect(parseTag('1.2.3-1')).toMatchObject({ revision: '1', variants: [] });
    expect(parseTag('17.0.9_9-jdk-jammy')).toMatchObject({ version: [17, 0, 9], revision: '9', variants: ['jdk', 'jammy'] });
    expect(parseTag('1.2.3-r1+meta')).toMatchObject({ revision: 'r1+meta' });
  });

  it('reads the version from the first word only', () => {
    expect(parseTag('jdk-17')).toMatchObject({ version: [], variants: ['jdk', '17'] });
  });

  it('treats versioned channel words as labels, not moving', () => {
    expect(parseTag('2.426.1-lts-jdk17')).toMatchObject({ moving: false, variants: ['lts', 'jdk17'] });
  });

  it('never throws on garbage and finds no version', () => {
    const garbage = ['___', '', '-', '...', 'v', '_.-_', 'a'.repeat(128), '1'.repeat(128), 'x'.repeat(300), 'tag with spaces', 'ü1.0'];
    for (const tag of garbage) {
      const parsed = parseTag(tag);
      expect(parsed.tag).toBe(tag);
      expect(parsed.version).toEqual([]);
    }
    expect(parseTag('___').variants).toEqual([]);
    expect(parseTag(undefined as unknown as string).version).toEqual([]);
  });

  it('refuses components too long to be exact numbers', () => {
    expect(parseTag('1.' + '9'.repeat(20)).version).toEqual([]);
  });
});

describe('variantKey', () => {
  it('joins variants with - and is empty without variants', () => {
    expect(variantKey(parseTag('17-buster-slim'))).toBe('buster-slim');
    expect(variantKey(parseTag('1.21.6-alpine3.15'))).toBe('alpine3.15');
    expect(variantKey(parseTag('3.19'))).toBe('');
  });
});

describe('compareTags', () => {
  it('orders numerically, not as text: 1.9 < 1.10 < 1.10.1', () => {
    expect(sortTags(['1.10.1', '1.10', '1.9'])).toEqual(['1.9', '1.10', '1.10.1']);
  });

  it('puts release candidates before the release: 1.0.0-rc1 < 1.0.0-rc2 < 1.0.0', () => {
    expect(sortTags(['1.0.0', '1.0.0-rc2', '1.0.0-rc1'])).toEqual(['1.0.0-rc1', '1.0.0-rc2', '1.0.0']);
  });

  it('puts beta before rc and alpha before beta', () => {
    expect(sortTags(['2.0.0-rc1', '2.0.0-beta3', '2.0.0-alpha9'])).toEqual(['2.0.0-alpha9', '2.0.0-beta3', '2.0.0-rc1']);
    expect(compareTags(parseTag('1.0.0-beta.10'), parseTag('1.0.0-rc.1'))).toBeLessThan(0);
  });

  it('orders revisions naturally: r2 < r10', () => {
    expect(sortTags(['1.2.3-r10', '1.2.3-r2', '1.2.3'])).toEqual(['1.2.3', '1.2.3-r2', '1.2.3-r10']);
  });

  it('puts tags without a version after every versioned tag: commits, others, then moving', () => {
    expect(sortTags(['latest', 'windowsservercore-ltsc2022', '1.0', 'sha-1a2b3c4', '0.1', 'stable-slim'])).toEqual([
      '0.1',
      '1.0',
      'sha-1a2b3c4',
      'windowsservercore-ltsc2022',
      'latest',
      'stable-slim',
    ]);
  });

  it('falls back to variants, then the tag string, for equal versions', () => {
    expect(sortTags(['1.21-bookworm', '1.21-alpine', '1.21', 'v1.21'])).toEqual(['1.21', 'v1.21', '1.21-alpine', '1.21-bookworm']);
    expect(compareTags(parseTag('3.19'), parseTag('3.19'))).toBe(0);
    expect(compareTags(parseTag('1.0'), parseTag('1.0.0'))).toBeLessThan(0);
  });

  it('sorts dates in any spelling together', () => {
    expect(sortTags(['20240116', '2024.01.15', '2023-12-31'])).toEqual(['2023-12-31', '2024.01.15', '20240116']);
  });

  it('is a total order: antisymmetric, transitive and independent of input order', () => {
    const tags = [
      '1.21.6-alpine3.15', '7.0-rc-bullseye', '7.0', '7.0-rc1', '17-buster-slim', '3.19', 'v1.2.3', '1.2.3-r1',
      '1.2.3', '2024.01.15', 'sha-1a2b3c4', 'latest', 'stable-slim', '8.0.1-jdk-focal', '1.0.0-rc.1', '2.0.0-beta2',
      '1.25.3-alpine', '16-alpine3.18', '3.12-slim-bookworm', '0.9', 'latest-alpine', 'windowsservercore-ltsc2022',
      '1.0.0+build.5', '___', '1.0', '1.0.0', 'edge', 'abcdef1', '1.2.3-1', '17.0.9_9-jdk-jammy',
    ];
    const parsed: ParsedTag[] = tags.map(parseTag);
    for (const a of parsed) {
      expect(compareTags(a, a)).toBe(0);
      for (const b of parsed) {
        const ab = compareTags(a, b);
        expect(Math.sign(ab) + Math.sign(compareTags(b, a))).toBe(0);
        if (a.tag !== b.tag) expect(ab).not.toBe(0);
        for (const c of parsed) {
          if (ab <= 0 && compareTags(b, c) <= 0) expect(compareTags(a, c)).toBeLessThanOrEqual(0);
        }
      }
    }
    const sorted = sortTags(tags);
    expect(sortTags([...tags].reverse())).toEqual(sorted);
    expect(sortTags([...tags.slice(11), ...tags.slice(0, 11)])).toEqual(sorted);
  });
});
