/** A pre-release marker such as `rc1`, `rc.1`, `beta2` or a bare `rc`. */
export interface TagPrerelease {
  /** Normalised kind: 'dev' | 'snapshot' | 'alpha' | 'beta' | 'milestone' | 'ea' | 'pre' | 'preview' | 'rc'. */
  kind: string;
  number?: number;
}

/** What a Docker-Hub-style tag says about itself when read like a version. Heuristic, never authoritative. */
export interface ParsedTag {
  tag: string;
  /** Numeric release components, e.g. [1, 21, 6]; empty when the tag has no version (latest, stable-slim, sha-1a2b3c4). */
  version: number[];
  /** 'rc' | 'beta' | 'alpha' | 'pre' | 'dev' ... with an optional number: { kind: 'rc', number: 1 } for 1.0.0-rc1 / 1.0.0-rc.1. */
  prerelease?: TagPrerelease;
  /** Build/revision suffix such as -r1 (alpine packaging) or +build: kept as text. */
  revision?: string;
  /** Variant/OS words after the version, lower-cased: ['alpine3.15'], ['buster', 'slim'], ['jdk', 'focal']. */
  variants: string[];
  /** 'latest' (and 'stable', 'edge', 'nightly' ...): moving tags that are re-pointed over time. */
  moving: boolean;
  /** A date version like 2024.01.15, 2024-01-15 or 20240115. */
  dateLike: boolean;
  /** A commit-ish tag: sha-1a2b3c4, a 7-40 char hex string, git-<hex>. */
  commit: boolean;
}

// Longer than the OCI tag limit (128) or outside tag characters (plus '+', which semver build metadata uses): no parse.
const MAX_TAG_LENGTH = 128;
const TAG_CHARS = /^[A-Za-z0-9._+-]+$/;
// A component longer than this would lose precision as a number, so such a "version" is treated as no version.
const MAX_COMPONENT_DIGITS = 15;

const PREFIXED_COMMIT = /^(?:sha|git|commit)-([0-9a-f]{7,40})(?:-(.+))?$/;
const BARE_COMMIT = /^([0-9a-f]{7,40})(?:-(.+))?$/;
// Leading 'v' is dropped (v1.2.3); the numeric run must start the first '-' word.
const LEADING_NUMBERS = /^v?(\d+(?:\.\d+)*)(.*)$/;
// 2024-01-15 would otherwise split on '-' into a version [2024] and stray words, so it is rewritten to 2024.01.15 first.
const DASHED_DATE = /^(\d{4})-(\d{2})-(\d{2})(?![0-9])/;
const COMPACT_DATE = /^(\d{4})(\d{2})(\d{2})$/;
// Single letters (a1, b2, m3) only count with a number, so a stray 'b' is never a beta.
const PRERELEASE = /^(alpha|beta|rc|pre|preview|dev|snapshot|ea|milestone|a|b|m)\.?(\d+)?$/;
const PRERELEASE_ALIASES: Record<string, string> = { a: 'alpha', b: 'beta', m: 'milestone' };
// Order of pre-release kinds, lowest first; any release without a pre-release sorts above all of them.
const PRERELEASE_RANK: Record<string, number> = {
  dev: 0,
  snapshot: 0,
  alpha: 1,
  beta: 2,
  milestone: 3,
  ea: 3,
  pre: 4,
  preview: 4,
  rc: 5,
};
// 'r1' is alpine/bitnami package release counter of the same upstream version, not an OS or flavour: a revision, not a variant.
const PACKAGE_REVISION = /^r\d+$/;
const DIGITS = /^\d+$/;
// Words that name a channel rather than a release; only read on tags without a version (on 1.2-lts, 'lts' is a label).
const MOVING_WORDS = new Set([
  'latest',
  'stable',
  'edge',
  'nightly',
  'mainline',
  'current',
  'lts',
  'rolling',
  'testing',
  'unstable',
  'next',
  'canary',
  'master',
  'main',
  'develop',
  'dev',
  'snapshot',
  'alpha',
  'beta',
  'rc',
  'preview',
  'insiders',
]);
// A variant word needs at least one letter or digit, so '___' or '..' leave no variant behind.
const WORD = /[a-z0-9]/;

/**
 * Reads a tag like a version: `1.21.6-alpine3.15` -> version [1,21,6], variants ['alpine3.15'].
 * Never throws; a tag that does not read like a version keeps an empty `version`.
 */
export function parseTag(tag: string): ParsedTag {
  const result: ParsedTag = { tag, version: [], variants: [], moving: false, dateLike: false, commit: false };
  if (typeof tag !== 'string' || tag.length === 0 || tag.length > MAX_TAG_LENGTH || !TAG_CHARS.test(tag)) {
    return result;
  }
  let text = tag.toLowerCase();
  // '+build.5' is semver build metadata: everything after the first '+' is kept whole as (part of) the revision.
  let build: string | undefined;
  const plus = text.indexOf('+');
  if (plus >= 0) {
    build = text.slice(plus + 1) || undefined;
    text = text.slice(0, plus);
  }

  const revisions: string[] = [];
  let tokens: string[];
  const commit = PREFIXED_COMMIT.exec(text) ?? bareCommit(text);
  if (commit) {
    result.commit = true;
    tokens = splitWords(commit[2] ?? '');
  } else {
    tokens = splitWords(text.replace(DASHED_DATE, '$1.$2.$3'));
    // Only the first '-' word can carry the version: in jdk-17 or debian-11 the number belongs to the word before it.
    const head = tokens.length > 0 ? parseVersionWord(tokens[0]) : null;
    if (head) {
      tokens.shift();
      result.version = head.version;
      result.dateLike = head.dateLike;
      if (head.prerelease) result.prerelease = head.prerelease;
      if (head.revision) revisions.push(head.revision);
    }
  }

  const versioned = result.version.length > 0;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    if (versioned && !result.prerelease) {
      const prerelease = parsePrerelease(token);
      if (prerelease) {
        // 1.0.0-rc-1: a bare number right after a numberless kind is that kind's number.
        const next = tokens[i + 1];
        if (prerelease.number === undefined && next !== undefined && isSmallNumber(next)) {
          prerelease.number = Number(next);
          i++;
        }
        result.prerelease = prerelease;
        continue;
      }
    }
    // A bare number straight after the version (1.2.3-1) is a packaging revision; after a word (debian-11) it is a variant.
    if (PACKAGE_REVISION.test(token) || (versioned && result.variants.length === 0 && DIGITS.test(token))) {
      revisions.push(token);
      continue;
    }
    if (!versioned && !result.commit && MOVING_WORDS.has(token)) {
      result.moving = true;
      continue;
    }
    // Only '-' separates variant words, so 'alpine3.15' (letters then a dotted number) stays one word.
    if (WORD.test(token)) result.variants.push(token);
  }

  const revision = revisions.join('-');
  if (revision && build) result.revision = `${revision}+${build}`;
  else if (revision || build) result.revision = revision || build;
  return result;
}

/** Filter-chip key: variants joined by '-' ('buster-slim'), '' when the tag has none. */
export function variantKey(parsed: Pick<ParsedTag, 'variants'>): string {
  return parsed.variants.join('-');
}

/**
 * Ascending version order, a total order (ties fall back to the tag string):
 * versioned tags first (by version, then pre-release below release, then revision, then variants),
 * then tags without a version: commit tags, other tags, moving tags (latest) last.
 * Unversioned tags sort after versioned ones so that a newest-first (reversed) list opens with 'latest', as Docker Hub does.
 */
export function compareTags(a: ParsedTag, b: ParsedTag): number {
  const aVersioned = a.version.length > 0;
  const bVersioned = b.version.length > 0;
  if (aVersioned !== bVersioned) return aVersioned ? -1 : 1;
  const byVersion = aVersioned
    ? compareVersions(a.version, b.version) ||
      comparePrereleases(a.prerelease, b.prerelease) ||
      compareRevisions(a.revision, b.revision)
    : unversionedGroup(a) - unversionedGroup(b);
  return byVersion || compareText(variantKey(a), variantKey(b)) || compareText(a.tag, b.tag);
}

/**
 * A text key whose plain code-unit/byte order (JS `<`, PostgreSQL `COLLATE "C"`) is exactly `compareTags` order,
 * so a database can `ORDER BY sort_key COLLATE "C"` instead of sorting every tag in memory.
 * Always printable ASCII (never NUL). `parsed` must come from `parseTag`. Layout, field by field:
 * - group: '1' versioned, then '2' commit, '3' other, '4' moving (unversioned tags skip the next three fields);
 * - version: each component as its digit count (one base-36 digit) and digits; then '!', which sorts below every
 *   digit, so 1.10 < 1.10.0 < 1.10.1 as in compareVersions;
 * - pre-release: '0' + rank + number + kind + '!' when present, '1' when absent, so a release sorts after its pre-releases;
 * - revision: '0' when absent, else '1' + a natural-order key: digit runs as a 3-digit length and the digits without
 *   leading zeros (r007 ties with r7, as in naturalCompare), other runs as text + '!', and '!' at the end;
 * - the variant key + '!', then the tag itself.
 * Text fields are kept as they are except code units outside '#'..'}', which become order-preserving escapes
 * ('"' + one character below, '~' + three characters above), so the terminator '!' stays below any text.
 */
export function tagSortKey(parsed: ParsedTag): string {
  const tail = encodeText(variantKey(parsed)) + '!' + encodeText(parsed.tag);
  if (parsed.version.length === 0) return String(unversionedGroup(parsed) + 2) + tail;
  return '1' + parsed.version.map(numberKey).join('') + '!' + prereleaseKey(parsed.prerelease) + revisionKey(parsed.revision) + tail;
}

// Digit count then digits: numeric order for the at most 15-digit numbers parseTag keeps, and no key is a prefix of another.
function numberKey(value: number): string {
  const digits = String(value);
  return digits.length.toString(36) + digits;
}

function prereleaseKey(prerelease: TagPrerelease | undefined): string {
  if (!prerelease) return '1';
  const rank = Object.hasOwn(PRERELEASE_RANK, prerelease.kind) ? PRERELEASE_RANK[prerelease.kind] : -1;
  return '0' + String(rank + 1) + numberKey(prerelease.number ?? 0) + encodeText(prerelease.kind) + '!';
}

function revisionKey(revision: string | undefined): string {
  return revision === undefined ? '0' : '1' + naturalKey(revision);
}

// Mirrors naturalCompare. A digit-run key starts with a digit and a text key never does, so where one string has digits
// and the other text, the first characters decide, as naturalCompare's text comparison of the two runs does.
function naturalKey(text: string): string {
  const chunks = text.match(/\d+|\D+/g) ?? [];
  const body = chunks.map((chunk) => {
    if (!DIGITS.test(chunk)) return encodeText(chunk) + '!';
    // Runs are at most 128 digits (the tag limit), so three digits of length keep the keys prefix-free.
    const digits = chunk.replace(/^0+/, '');
    return String(digits.length).padStart(3, '0') + digits;
  });
  return body.join('') + '!';
}

// '#'..'}' as is; below as '"' + one character ('#'..'E'), above as '~' + three base-64 digits ('0'..'o'): same order, prefix-free.
function encodeText(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0x23 && code <= 0x7d) out += text[i];
    else if (code < 0x23) out += '"' + String.fromCharCode(0x23 + code);
    else {
      const n = code - 0x7e;
      out += '~' + [n >> 12, (n >> 6) & 63, n & 63].map((digit) => String.fromCharCode(0x30 + digit)).join('');
    }
  }
  return out;
}

function bareCommit(text: string): RegExpExecArray | null {
  const match = BARE_COMMIT.exec(text);
  // A bare hex string must mix digits and letters: 20240115 is a date, 'deadbeef' or 'facade1' words are rare enough.
  return match && /[0-9]/.test(match[1]) && /[a-f]/.test(match[1]) ? match : null;
}

function splitWords(text: string): string[] {
  return text.split('-').filter((word) => word.length > 0);
}

interface VersionWord {
  version: number[];
  dateLike: boolean;
  prerelease?: TagPrerelease;
  revision?: string;
}

function parseVersionWord(word: string): VersionWord | null {
  // 20240115 is normalised to [2024, 1, 15] so that it sorts alongside 2024.01.16.
  const compact = COMPACT_DATE.exec(word);
  if (compact) {
    const date = [Number(compact[1]), Number(compact[2]), Number(compact[3])];
    if (isDate(date)) return { version: date, dateLike: true };
  }
  const match = LEADING_NUMBERS.exec(word);
  if (!match) return null;
  const parts = match[1].split('.');
  if (parts.some((part) => part.length > MAX_COMPONENT_DIGITS)) return null;
  const version = parts.map(Number);
  const result: VersionWord = { version, dateLike: version.length >= 2 && parts[0].length === 4 && isDate(version) };
  // Text glued to the number: 1.0.0rc1 / 1.0.0.rc1 is a pre-release; anything else (17.0.9_9, 8u292) is kept as revision.
  const rest = match[2].replace(/^[._]+/, '');
  if (rest) {
    const prerelease = parsePrerelease(rest);
    if (prerelease) result.prerelease = prerelease;
    else result.revision = rest;
  }
  return result;
}

// Calendar versions (2024.01.15, 2024.1) count as dates: a year 1970-2100, then a month, then a day.
function isDate(version: number[]): boolean {
  const [year, month, day] = version;
  if (year < 1970 || year > 2100 || month === undefined || month < 1 || month > 12) return false;
  return day === undefined || (day >= 1 && day <= 31);
}

function parsePrerelease(word: string): TagPrerelease | null {
  const match = PRERELEASE.exec(word);
  if (!match) return null;
  const [, kind, digits] = match;
  if (kind.length === 1 && digits === undefined) return null;
  if (digits !== undefined && digits.length > MAX_COMPONENT_DIGITS) return null;
  const prerelease: TagPrerelease = { kind: PRERELEASE_ALIASES[kind] ?? kind };
  if (digits !== undefined) prerelease.number = Number(digits);
  return prerelease;
}

function isSmallNumber(word: string): boolean {
  return DIGITS.test(word) && word.length <= MAX_COMPONENT_DIGITS;
}

// Missing components count as 0 (1.10 == 1.10.0 numerically); the shorter one then sorts first.
function compareVersions(a: number[], b: number[]): number {
  const length = Math.max(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const diff = (a[i] ?? 0) - (b[i] ?? 0);
    if (diff !== 0) return Math.sign(diff);
  }
  return Math.sign(a.length - b.length);
}

// Pre-releases sort below the release; a numberless 'rc' sorts like rc0.
function comparePrereleases(a: TagPrerelease | undefined, b: TagPrerelease | undefined): number {
  if (!a || !b) return a === b ? 0 : a ? -1 : 1;
  const byRank = Math.sign((PRERELEASE_RANK[a.kind] ?? -1) - (PRERELEASE_RANK[b.kind] ?? -1));
  return byRank || Math.sign((a.number ?? 0) - (b.number ?? 0)) || compareText(a.kind, b.kind);
}

// No revision sorts first; r2 < r10 by natural order.
function compareRevisions(a: string | undefined, b: string | undefined): number {
  if (a === undefined || b === undefined) return a === b ? 0 : a === undefined ? -1 : 1;
  return naturalCompare(a, b);
}

function unversionedGroup(parsed: ParsedTag): number {
  if (parsed.moving) return 2;
  return parsed.commit ? 0 : 1;
}

// Digit runs compare by value (compared as text after stripping zeros, so no precision loss), other runs as text.
function naturalCompare(a: string, b: string): number {
  const aChunks = a.match(/\d+|\D+/g) ?? [];
  const bChunks = b.match(/\d+|\D+/g) ?? [];
  const length = Math.min(aChunks.length, bChunks.length);
  for (let i = 0; i < length; i++) {
    const x = aChunks[i];
    const y = bChunks[i];
    let diff: number;
    if (DIGITS.test(x) && DIGITS.test(y)) {
      const xs = x.replace(/^0+/, '');
      const ys = y.replace(/^0+/, '');
      diff = Math.sign(xs.length - ys.length) || compareText(xs, ys);
    } else {
      diff = compareText(x, y);
    }
    if (diff !== 0) return diff;
  }
  return Math.sign(aChunks.length - bChunks.length);
}

// Code-unit order, not locale order, so sorting is the same on every machine.
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
