import { ArchiveError } from './archive-error';
import { clip, classifyMember, layoutBlobPath, normalizeMemberName } from './member-names';
import { ContentKind, describeKind, isArchiveKind } from './sniff';

/** JSON documents (manifest.json, configs, manifests) are read whole, up to this size; the registry's manifest limit. */
export const MAX_JSON_MEMBER_BYTES = 4 * 1024 * 1024;

/** A regular member as the reader saw it streaming by (bytes staged in storage, not here). */
export interface ArchiveMember {
  /** Normalized name (no `./`). */
  name: string;
  /** Bytes in the archive. */
  size: number;
  /** sha256 of those bytes. */
  digest: string;
  /** What its first bytes say. */
  content: ContentKind;
  /** For gzip/zstd members: sha256 and size of the decompressed bytes; absent when decompression failed (see uncompressedError). */
  uncompressed?: { digest: string; size: number };
  uncompressedError?: string;
  /** For tar members: the gzip-compressed copy the reader staged instead of the raw bytes. */
  compressed?: { digest: string; size: number };
  /** The bytes of JSON members of at most MAX_JSON_MEMBER_BYTES. */
  bytes?: Uint8Array;
}

/** A classic layer that is a link to another member (resolved to that member's name). */
export interface ArchiveLink {
  name: string;
  target: string;
}

export interface ArchiveContents {
  members: ArchiveMember[];
  links: ArchiveLink[];
}

/** How a member is stored in the registry: the tar members' gzip copy, or the bytes as they are. */
export interface StoredForm {
  digest: string;
  size: number;
  /** True when the reader compressed it (the member was an uncompressed tar). */
  compressed: boolean;
}

/** Lookup over the members of one archive: names, links, JSON bodies and layer digests, with errors that name the member. */
export class ArchiveIndex {
  private readonly byName = new Map<string, ArchiveMember>();
  private readonly links = new Map<string, string>();

  constructor(contents: ArchiveContents) {
    for (const member of contents.members) this.byName.set(member.name, member);
    for (const link of contents.links) this.links.set(link.name, link.target);
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  get members(): Iterable<ArchiveMember> {
    return this.byName.values();
  }

  /** The member a path names (following classic layer links), or a missing-blob error saying who referenced it. */
  resolve(path: unknown, referencedBy: string): ArchiveMember {
    if (typeof path !== 'string' || path === '') throw new ArchiveError('invalid-metadata', `${referencedBy} is not a member path`);
    let name: string;
    try {
      name = normalizeMemberName(path);
    } catch (err) {
      throw new ArchiveError('unsafe-name', `${referencedBy} names "${clip(path)}": ${(err as Error).message}`);
    }
    for (let hops = 0; hops < 8; hops++) {
      const member = this.byName.get(name);
      if (member) return member;
      const target = this.links.get(name);
      if (target === undefined) break;
      name = target;
    }
    throw new ArchiveError('missing-blob', `missing blob: ${referencedBy} names "${clip(path)}", which is not in the archive`);
  }

  /** The blob of an OCI layout by digest (`blobs/<alg>/<hex>`). */
  blob(digest: string, referencedBy: string): ArchiveMember {
    const [algorithm, hex] = digest.split(':');
    if (algorithm !== 'sha256') throw new ArchiveError('unsupported', `${referencedBy} uses a ${algorithm} digest; Berth imports sha256 blobs only`);
    const member = this.byName.get(layoutBlobPath(digest));
    if (!member) throw new ArchiveError('missing-blob', `missing blob: ${referencedBy} references ${digest}, but blobs/sha256/${hex.slice(0, 12)}… is not in the archive`);
    return member;
  }

  /** The bytes of a JSON member; an archive where a document should be is an archive of archives. */
  json(member: ArchiveMember, what: string): Uint8Array {
    if (member.bytes) return member.bytes;
    if (isArchiveKind(member.content)) {
      throw new ArchiveError(
        'nested-archive',
        `archive of archives: ${what} should be a JSON document, but "${clip(member.name)}" is ${describeKind(member.content)}; import the inner archive on its own`,
      );
    }
    if (member.size > MAX_JSON_MEMBER_BYTES) throw new ArchiveError('too-large', `${what} ("${clip(member.name)}") is ${member.size} bytes; documents may be at most ${MAX_JSON_MEMBER_BYTES}`);
    throw new ArchiveError('invalid-metadata', `${what} ("${clip(member.name)}") is not JSON (it is ${describeKind(member.content)})`);
  }

  /** Parses a JSON member into an object. */
  object(member: ArchiveMember, what: string): Record<string, unknown> {
    const value = parseJson(this.json(member, what), what);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ArchiveError('invalid-metadata', `${what} ("${clip(member.name)}") is not a JSON object`);
    return value as Record<string, unknown>;
  }

  /**
   * A layer's digests: as stored (the gzip copy of a tar, or the compressed bytes as they are) and
   * uncompressed (its diff ID and size). Anything that is not a tar, gzip or zstd cannot be a layer.
   */
  layer(member: ArchiveMember, what: string): { stored: StoredForm; diffId: string; uncompressedSize: number; compression: 'gzip' | 'zstd' } {
    switch (member.content) {
      case 'tar':
        if (!member.compressed) throw new Error(`reader did not compress tar member ${member.name}`);
        return { stored: { ...member.compressed, compressed: true }, diffId: member.digest, uncompressedSize: member.size, compression: 'gzip' };
      case 'gzip':
      case 'zstd':
        if (!member.uncompressed) {
          throw new ArchiveError('invalid-metadata', `${what} ("${clip(member.name)}") is not valid ${member.content}: ${member.uncompressedError ?? 'it could not be decompressed'}`);
        }
        return { stored: { digest: member.digest, size: member.size, compressed: false }, diffId: member.uncompressed.digest, uncompressedSize: member.uncompressed.size, compression: member.content };
      case 'xz':
      case 'bzip2':
        throw new ArchiveError('unsupported', `${what} ("${clip(member.name)}") is ${describeKind(member.content)}; layers must be tar, gzip or zstd`);
      default:
        throw new ArchiveError('invalid-metadata', `${what} ("${clip(member.name)}") is not a layer: it is ${describeKind(member.content)}, not a tar archive`);
    }
  }
}

/** Every member named after its digest must hash to it. */
export function checkNamedDigests(index: ArchiveIndex): void {
  for (const member of index.members) {
    const role = classifyMember(member.name, 'file');
    if (role?.kind !== 'blob' || !role.namedDigest) continue;
    const named = role.namedDigest;
    if (!named.startsWith('sha256:')) throw new ArchiveError('unsupported', `"${clip(member.name)}" is named by a ${named.split(':')[0]} digest; Berth imports sha256 blobs only`);
    // skopeo names flat layers by their uncompressed digest; a compressed one may be named either way.
    const actual = [member.digest, ...(role.layerName && member.uncompressed ? [member.uncompressed.digest] : [])];
    if (!actual.includes(named)) {
      throw new ArchiveError('digest-mismatch', `digest mismatch: "${clip(member.name)}" is named after ${named}, but its content has digest ${member.digest}`);
    }
  }
}

export function parseJson(bytes: Uint8Array, what: string): unknown {
  try {
    return JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8').replace(/^\uFEFF/, ''));
  } catch (err) {
    throw new ArchiveError('invalid-metadata', `${what} is not valid JSON: ${(err as Error).message}`);
  }
}
