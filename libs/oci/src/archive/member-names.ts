import { parseDigest } from '../digest';
import { ArchiveError } from './archive-error';
import { describeKind, isArchiveKind, sniffContent } from './sniff';

/**
 * Where a member sits in the layouts Berth reads, which decides what happens to its bytes:
 * - `metadata`: manifest.json, repositories, index.json, oci-layout: parsed, kept in memory (at most 4 MiB);
 * - `blob`: `blobs/sha256/<hex>` (OCI layout, Docker 25+), `<hex>.json` (a classic config), `<hex>.tar`
 *   (a layer as skopeo writes it) and `<id>/layer.tar` (a classic layer): staged, hashed, compressed if a tar;
 * - `legacy`: `<id>/json` and `<id>/VERSION` of the classic layout: read and dropped;
 * - `directory`: carries nothing.
 */
export type MemberRole =
  | { kind: 'metadata'; file: MetadataFile }
  | { kind: 'blob'; /** The digest the name claims for the content, when the name is one. */ namedDigest?: string; /** A `<hex>.tar` or `<id>/layer.tar`, named by its uncompressed digest if at all. */ layerName: boolean }
  | { kind: 'legacy' }
  | { kind: 'directory' };

export type MetadataFile = 'manifest.json' | 'repositories' | 'index.json' | 'oci-layout';

const METADATA_FILES: ReadonlySet<string> = new Set<MetadataFile>(['manifest.json', 'repositories', 'index.json', 'oci-layout']);
const HEX64 = '[0-9a-f]{64}';
const OCI_BLOB = /^blobs\/([a-z0-9]+(?:[+._-][a-z0-9]+)*)\/([a-zA-Z0-9=_-]+)$/;
const CLASSIC_CONFIG = new RegExp(`^(${HEX64})\\.json$`);
const FLAT_LAYER = new RegExp(`^(${HEX64})\\.tar$`);
const LEGACY_LAYER = new RegExp(`^${HEX64}/layer\\.tar$`);
const LEGACY_META = new RegExp(`^${HEX64}/(?:json|VERSION)$`);
const KNOWN_DIRECTORIES = new RegExp(`^(?:blobs|blobs/[a-z0-9]+|${HEX64})$`);

/** `sha256:ab…` -> `blobs/sha256/ab…`: where an OCI image layout keeps a blob (and where manifest.json points in Docker 25+ archives). */
export function layoutBlobPath(digest: string): string {
  const { algorithm, hex } = parseDigest(digest);
  return `blobs/${algorithm}/${hex}`;
}

/** What a tar member is, as far as names go. */
export type MemberType = 'file' | 'directory' | 'symlink' | 'link' | 'other';

/**
 * The member name without `./` prefixes or a trailing slash. Absolute names, `..` anywhere, empty
 * components and characters no layout uses are refused: they can only be an attempt to write elsewhere.
 */
export function normalizeMemberName(raw: string): string {
  if (typeof raw !== 'string' || raw.length === 0) throw unsafe(raw, 'has an empty name');
  if (raw.includes('\0')) throw unsafe(raw, 'contains a NUL byte');
  if (raw.startsWith('/') || /^[A-Za-z]:[\\/]/.test(raw)) throw unsafe(raw, 'is an absolute path (path traversal)');
  if (raw.includes('\\')) throw unsafe(raw, 'contains a backslash');
  let name = raw;
  while (name.startsWith('./')) name = name.slice(2);
  name = name.replace(/\/+$/, '');
  if (name === '' || name === '.') return '.';
  const parts = name.split('/');
  if (parts.includes('..')) throw unsafe(raw, 'contains ".." (path traversal)');
  if (parts.some((part) => part === '' || part === '.')) throw unsafe(raw, 'has an empty or "." path component');
  return name;
}

/** The role of a (normalized) member name, or undefined for a name outside every layout. */
export function classifyMember(name: string, type: MemberType): MemberRole | undefined {
  if (type === 'directory') return name === '.' || KNOWN_DIRECTORIES.test(name) ? { kind: 'directory' } : undefined;
  if (METADATA_FILES.has(name)) return { kind: 'metadata', file: name as MetadataFile };
  const blob = OCI_BLOB.exec(name);
  if (blob) return { kind: 'blob', namedDigest: `${blob[1]}:${blob[2]}`, layerName: false };
  const config = CLASSIC_CONFIG.exec(name);
  if (config) return { kind: 'blob', namedDigest: `sha256:${config[1]}`, layerName: false };
  const flat = FLAT_LAYER.exec(name);
  if (flat) return { kind: 'blob', namedDigest: `sha256:${flat[1]}`, layerName: true };
  if (LEGACY_LAYER.test(name)) return { kind: 'blob', layerName: true };
  if (LEGACY_META.test(name)) return { kind: 'legacy' };
  return undefined;
}

/**
 * The error for a member outside every layout. When its first bytes show an archive, the upload is an
 * archive of archives (a tar of `docker save` files, say), which is worth saying in those words.
 */
export function unexpectedMember(name: string, head: Uint8Array): ArchiveError {
  const kind = sniffContent(head);
  if (isArchiveKind(kind)) {
    return new ArchiveError(
      'nested-archive',
      `archive of archives: member "${clip(name)}" is itself ${describeKind(kind)}; import each archive on its own (Berth does not unpack archives inside the archive)`,
    );
  }
  return new ArchiveError(
    'unexpected-member',
    `member "${clip(name)}" is not part of a docker save or OCI image layout (expected manifest.json, repositories, index.json, oci-layout, blobs/sha256/<digest>, <digest>.json, <digest>.tar or <id>/layer.tar)`,
  );
}

/** Links only stand in for a layer of the classic layout (`docker save` writes one per repeated layer). */
export function isLinkPosition(name: string): boolean {
  return LEGACY_LAYER.test(name);
}

/**
 * Where a link member points, as a member name; throws unless it is a classic layer linking to another
 * member inside the archive. Symlink targets are relative to the link's directory, hardlink targets to
 * the archive root.
 */
export function resolveLinkTarget(name: string, target: string | null | undefined, type: 'symlink' | 'link'): string {
  const what = type === 'symlink' ? 'a symbolic link' : 'a hard link';
  if (!isLinkPosition(name)) {
    throw new ArchiveError('link', `member "${clip(name)}" is ${what}; only <id>/layer.tar of a docker save archive may link to another layer`);
  }
  if (!target) throw new ArchiveError('link', `member "${clip(name)}" is ${what} without a target`);
  if (target.startsWith('/')) throw new ArchiveError('unsafe-name', `member "${clip(name)}" is ${what} to the absolute path "${clip(target)}" (path traversal)`);
  const base = type === 'symlink' ? name.split('/').slice(0, -1) : [];
  const parts = [...base];
  for (const part of target.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length === 0) throw new ArchiveError('unsafe-name', `member "${clip(name)}" is ${what} to "${clip(target)}", outside the archive (path traversal)`);
      parts.pop();
    } else {
      parts.push(part);
    }
  }
  const resolved = parts.join('/');
  const role = resolved ? classifyMember(resolved, 'file') : undefined;
  if (role?.kind !== 'blob') {
    throw new ArchiveError('link', `member "${clip(name)}" is ${what} to "${clip(target)}", which is not a layer of the archive`);
  }
  return resolved;
}

function unsafe(raw: string, problem: string): ArchiveError {
  return new ArchiveError('unsafe-name', `member "${clip(String(raw))}" ${problem}`);
}

/** Bounded so a hostile name cannot make the job's error arbitrarily long. */
export function clip(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
