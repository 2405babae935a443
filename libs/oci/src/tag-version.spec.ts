import { compareTags, parseTag, tagSortKey, variantKey, type ParsedTag } from './tag-version';

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

// Every tag written in this file, so the sort key is checked against the cases compareTags was written for.
const SPEC_TAGS = [
  '1.21.6-alpine3.15', '7.0-rc-bullseye', '17-buster-slim', '3.19', 'v1.2.3', '1.2.3-r1', '2024.01.15', '20240115',
  '2024-01-15', '12345678', '2024.13.1', 'sha-1a2b3c4', 'git-0123456789abcdef', '1a2b3c4d5e6f', 'aaaaaaaaaa1', '1234567',
  'deadbeef', '1a2b3c', 'latest', 'stable-slim', '8.0.1-jdk-focal', '1.0.0-rc.1', '2.0.0-beta2', '1.0.0rc1', '1.0.0a1',
  '1.0.0-rc-1', '1.25.3-alpine', '16-alpine3.18', '3.12-slim-bookworm', '0.9', 'latest-alpine', 'windowsservercore-ltsc2022',
  '1.0.0+build.5', '1.25.3-debian-11-r5', '1.2.3-1', '17.0.9_9-jdk-jammy', '1.2.3-r1+meta', 'jdk-17', '2.426.1-lts-jdk17',
  '___', '', '-', '...', 'v', '_.-_', 'a'.repeat(128), '1'.repeat(128), 'x'.repeat(300), 'tag with spaces', 'ü1.0',
  '1.' + '9'.repeat(20), '1.10.1', '1.10', '1.9', '1.0.0', '1.0.0-rc2', '1.0.0-rc1', '2.0.0-rc1', '2.0.0-beta3',
  '2.0.0-alpha9', '1.0.0-beta.10', '1.2.3-r10', '1.2.3-r2', '1.2.3', '1.0', '0.1', '1.21-bookworm', '1.21-alpine', '1.21',
  'v1.21', '20240116', '2023-12-31', '7.0', '7.0-rc1', 'edge', 'abcdef1',
];

// Revisions whose first character is below '0', a digit or above '9', and other spellings naturalCompare sees.
const EDGE_TAGS = [
  '1.0+.x', '1.0+-x', '1.0++x', '1.0+_x', '1.0+9', '1.0+09', '1.0+x', '1..5', '1._5', '1.0-r007', '1.0-r7', '1.0-r7x',
  '1.0-r', '8u292', '8u292-b10', '11.0.2_9', '1.0.0.rc1', '1.0-1-r2', '1.0-r1-1', '1.0+1.2', '1.0+1.10', '1.0+1.2.x',
  '1.0-dev', '1.0-snapshot', '1.0-ea', '1.0-m1', '1.0-pre', '1.0-preview', '1.0-milestone2', '1.0-b2', '0', '0.0',
  '0.0.0', '000.1', '999999999999999', '999999999999999.1', '1000000000000000', 'V1.2', '1.2.3-RC1', 'Latest',
  'tag!', 'tag"', 'tag#', 'tag~', 'tag}', 'tag\u0000', 'tag\u0001', 'tag\uffff', 'tag\ud83d\ude00', '\u007f',
];

// mulberry32: a small seeded generator, so a failure reproduces on every run.
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function generateTags(count: number, seed: number): string[] {
  const next = random(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)];
  const int = (max: number): number => Math.floor(next() * (max + 1));
  const chance = (p: number): boolean => next() < p;
  const variants = ['alpine', 'alpine3.15', 'alpine3.18', 'bullseye', 'buster-slim', 'slim-bookworm', 'jdk-focal', 'jre17',
    'windowsservercore-ltsc2022', 'nanoserver-1809', 'debian-11', 'lts-jdk17', 'Alpine', 'ubi9-minimal', 'fpm'];
  const prereleases = ['rc', 'rc1', 'rc.2', 'rc-3', 'beta', 'beta2', 'beta.10', 'alpha', 'alpha1', 'a1', 'b2', 'dev', 'RC1',
    'preview3', 'ea'];
  const moving = ['latest', 'stable', 'edge', 'nightly', 'mainline', 'lts', 'Latest', 'canary'];
  const tags: string[] = [];
  while (tags.length < count) {
    const shape = next();
    let tag: string;
    if (shape < 0.55) {
      const components = Array.from({ length: 1 + int(3) }, () => String(chance(0.1) ? int(2000) : int(12)));
      tag = (chance(0.15) ? pick(['v', 'V']) : '') + components.join('.');
      if (chance(0.25)) tag += (chance(0.8) ? '-' : '') + pick(prereleases);
      if (chance(0.2)) tag += pick(['-r', '-r', '-', '_', '+build.']) + int(20);
      if (chance(0.4)) tag += '-' + pick(variants);
      if (chance(0.05)) tag += '-r' + int(12);
    } else if (shape < 0.7) {
      const date = [2020 + int(5), String(1 + int(11)).padStart(2, '0'), String(1 + int(27)).padStart(2, '0')];
      tag = date.join(pick(['.', '-', '']));
      if (chance(0.3)) tag += '-' + pick(variants);
    } else if (shape < 0.8) {
      const hex = Array.from({ length: 7 + int(5) }, () => pick([...'0123456789abcdef'])).join('');
      tag = pick(['sha-', 'git-', 'commit-', '']) + hex + (chance(0.2) ? '-' + pick(variants) : '');
    } else if (shape < 0.9) {
      tag = pick(moving) + (chance(0.4) ? '-' + pick(variants) : '');
    } else {
      // Anything in tag characters, to reach spellings the realistic shapes miss.
      tag = Array.from({ length: 1 + int(10) }, () => pick([...'0123456789abrcv._+-xR'])).join('');
    }
    tags.push(tag);
  }
  return tags;
}

describe('tagSortKey', () => {
  const byKey = (a: ParsedTag, b: ParsedTag): number => {
    const [x, y] = [tagSortKey(a), tagSortKey(b)];
    return x < y ? -1 : x > y ? 1 : 0;
  };
  const tags = [...new Set([...SPEC_TAGS, ...EDGE_TAGS, ...generateTags(600, 20240115)])];
  const parsed = tags.map(parseTag);

  it('sorts exactly like compareTags', () => {
    expect([...parsed].sort(byKey).map((p) => p.tag)).toEqual([...parsed].sort(compareTags).map((p) => p.tag));
  });

  it('agrees with compareTags on every pair', () => {
    const keys = parsed.map(tagSortKey);
    const mismatches: string[] = [];
    parsed.forEach((a, i) => {
      parsed.forEach((b, j) => {
        const byKeys = keys[i] < keys[j] ? -1 : keys[i] > keys[j] ? 1 : 0;
        if (Math.sign(compareTags(a, b)) !== byKeys) mismatches.push(`${JSON.stringify(a.tag)} vs ${JSON.stringify(b.tag)}`);
      });
    });
    expect(mismatches.slice(0, 10)).toEqual([]);
  });

  it('is printable ASCII without NUL, whatever the tag', () => {
    for (const p of parsed) expect(tagSortKey(p)).toMatch(/^[\x20-\x7e]+$/);
  });

  it('orders numerically: 1.9 < 1.10 < 1.10.1', () => {
    const [a, b, c] = ['1.9', '1.10', '1.10.1'].map((tag) => tagSortKey(parseTag(tag)));
    expect(a < b && b < c).toBe(true);
  });

  it('puts a pre-release before its release: 7.0-rc-bullseye < 7.0-bullseye', () => {
    expect(tagSortKey(parseTag('7.0-rc-bullseye')) < tagSortKey(parseTag('7.0-bullseye'))).toBe(true);
  });

  it('orders revisions naturally: 1.2.3 < 1.2.3-r1 < 1.2.3-r10', () => {
    const [a, b, c] = ['1.2.3', '1.2.3-r1', '1.2.3-r10'].map((tag) => tagSortKey(parseTag(tag)));
    expect(a < b && b < c).toBe(true);
  });

  it('puts latest after every versioned tag', () => {
    const latest = tagSortKey(parseTag('latest'));
    const versioned = parsed.filter((p) => p.version.length > 0);
    expect(versioned.length).toBeGreaterThan(300);
    for (const p of versioned) expect(tagSortKey(p) < latest).toBe(true);
  });

  it('keeps ordinary tag text readable at the end of the key', () => {
    expect(tagSortKey(parseTag('1.21.6-alpine3.15')).endsWith('alpine3.15!1.21.6-alpine3.15')).toBe(true);
  });
});
