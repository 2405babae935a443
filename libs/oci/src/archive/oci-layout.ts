import type { Descriptor } from '../descriptor';
import { digestOf } from '../digest';
import { RegistryError } from '../errors';
import { isAttestationDescriptor, parseManifest, ParsedManifest } from '../manifest';
import { isImageConfigMediaType, isManifestMediaType, isNonDistributableMediaType, MediaTypes, normalizeMediaType } from '../media-types';
import { formatPlatform } from '../platform';
import { ArchiveError } from './archive-error';
import { ArchiveIndex, ArchiveMember } from './contents';
import { checkDiffIds, diffIdsOf, platformOfConfig } from './image-checks';
import { layoutBlobPath } from './member-names';
import { ImportPlan, PlanBuilder, PlannedImage } from './plan-builder';

/** Annotation the OCI image spec defines for a name in index.json. */
export const REF_NAME_ANNOTATION = 'org.opencontainers.image.ref.name';
/** Annotation containerd (and so Docker 25+ with the containerd store) names images by. */
export const CONTAINERD_NAME_ANNOTATION = 'io.containerd.image.name';

/** What one manifest (and everything under it) comes to once planned. */
interface Visited {
  digest: string;
  mediaType: string;
  /** The manifest's own bytes. */
  size: number;
  manifests: string[];
  blobs: Set<string>;
  layers: Set<string>;
  platforms: string[];
  rewrittenFrom?: string;
}

/**
 * An OCI image layout: one image per distinct manifest index.json lists (named by its annotations),
 * images and indexes alike, nested indexes too. Manifests are kept byte for byte unless a layer was an
 * uncompressed tar: the reader stored it gzip-compressed, so its descriptor (digest, size, `+gzip` media
 * type) changes, and with it the manifest's digest and that of every index above it.
 */
export function planOciLayout(index: ArchiveIndex): ImportPlan {
  checkLayoutFile(index);
  const top = parse(index.json(index.resolve('index.json', 'the archive'), 'index.json'), MediaTypes.OciIndex, 'index.json');
  if (top.kind !== 'index') throw new ArchiveError('invalid-metadata', 'index.json is not an image index');
  const groups = new Map<string, { descriptor: Descriptor; names: string[]; position: number }>();
  top.manifests.forEach((descriptor, i) => {
    const group = groups.get(descriptor.digest) ?? { descriptor, names: [], position: i };
    const name = nameOf(descriptor);
    if (name && !group.names.includes(name)) group.names.push(name);
    groups.set(descriptor.digest, group);
  });
  const plan = new PlanBuilder();
  const visitor = new LayoutVisitor(index, plan);
  const images = [...groups.values()].map(({ descriptor, names, position }, i): PlannedImage => {
    if (!isManifestMediaType(descriptor.mediaType)) {
      throw new ArchiveError('unsupported', `entry ${position + 1} of index.json has media type ${descriptor.mediaType}, not an image manifest or index`);
    }
    const visited = visitor.visit(descriptor, `entry ${position + 1} of index.json`);
    return {
      index: i,
      kind: visited.mediaType === MediaTypes.OciIndex || visited.mediaType === MediaTypes.DockerManifestList ? 'index' : 'image',
      digest: visited.digest,
      mediaType: visited.mediaType,
      sourceNames: names,
      platforms: visited.platforms,
      size: plan.sizeOf(visited.size, visited.blobs) + childManifestBytes(plan, visited),
      layers: visited.layers.size,
      manifests: visited.manifests,
      blobs: [...visited.blobs],
      ...(visited.rewrittenFrom ? { rewrittenFrom: visited.rewrittenFrom } : {}),
    };
  });
  return plan.finish('oci', images);
}

/** An entry's name: containerd's full reference when present, else the OCI ref name (a tag, or a full reference). */
function nameOf(descriptor: Descriptor): string | undefined {
  const annotations = descriptor.annotations ?? {};
  return annotations[CONTAINERD_NAME_ANNOTATION] || annotations[REF_NAME_ANNOTATION] || undefined;
}

function checkLayoutFile(index: ArchiveIndex): void {
  if (!index.has('oci-layout')) return;
  const layout = index.object(index.resolve('oci-layout', 'the archive'), 'oci-layout');
  const version = layout.imageLayoutVersion;
  if (typeof version !== 'string' || !version.startsWith('1.')) {
    throw new ArchiveError('unsupported', `oci-layout says imageLayoutVersion ${JSON.stringify(version)}; Berth reads version 1.x layouts`);
  }
}

function childManifestBytes(plan: PlanBuilder, visited: Visited): number {
  // Children's own manifest bytes; the top manifest's are counted by sizeOf.
  return visited.manifests.slice(0, -1).reduce((total, digest) => total + (plan.manifests.get(digest)?.body.length ?? 0), 0);
}

class LayoutVisitor {
  private readonly done = new Map<string, Visited>();

  constructor(
    private readonly index: ArchiveIndex,
    private readonly plan: PlanBuilder,
  ) {}

  visit(descriptor: Descriptor, label: string, depth = 0): Visited {
    const seen = this.done.get(descriptor.digest);
    if (seen) return seen;
    if (depth > 8) throw new ArchiveError('invalid-metadata', `${label} nests indexes more than 8 deep`);
    const member = this.member(descriptor, label);
    const bytes = Buffer.from(this.index.json(member, `the manifest of ${label}`));
    const manifest = parse(bytes, descriptor.mediaType, `the manifest of ${label}`);
    const visited = manifest.kind === 'index' ? this.visitIndex(manifest, bytes, label, depth) : this.visitImage(manifest, bytes, label);
    this.done.set(descriptor.digest, visited);
    return visited;
  }

  private visitIndex(manifest: ParsedManifest, bytes: Buffer, label: string, depth: number): Visited {
    const raw = manifest.raw as { manifests: Record<string, unknown>[] };
    const result: Visited = { digest: '', mediaType: manifest.mediaType, size: 0, manifests: [], blobs: new Set(), layers: new Set(), platforms: [] };
    let changed = false;
    manifest.manifests.forEach((child, k) => {
      if (!isManifestMediaType(child.mediaType)) {
        throw new ArchiveError('unsupported', `manifest ${k + 1} of ${label} has media type ${child.mediaType}, not an image manifest or index`);
      }
      const visited = this.visit(child, `manifest ${k + 1} of ${label}`, depth + 1);
      if (visited.digest !== child.digest) {
        raw.manifests[k] = { ...raw.manifests[k], digest: visited.digest, size: visited.size };
        changed = true;
      }
      for (const digest of visited.manifests) if (!result.manifests.includes(digest)) result.manifests.push(digest);
      visited.blobs.forEach((d) => result.blobs.add(d));
      visited.layers.forEach((d) => result.layers.add(d));
      if (isAttestationDescriptor(child)) return;
      const platforms = child.platform ? [formatPlatform(child.platform)] : visited.platforms;
      for (const platform of platforms) if (!result.platforms.includes(platform)) result.platforms.push(platform);
    });
    return this.finish(manifest, bytes, changed ? raw : undefined, result);
  }

  private visitImage(manifest: ParsedManifest, bytes: Buffer, label: string): Visited {
    const raw = manifest.raw as { layers: Record<string, unknown>[] };
    const result: Visited = { digest: '', mediaType: manifest.mediaType, size: 0, manifests: [], blobs: new Set(), layers: new Set(), platforms: [] };
    const configDescriptor = manifest.config!;
    const configMember = this.member(configDescriptor, `the config of ${label}`);
    this.plan.addBlob({ digest: configMember.digest, size: configMember.size, member: configMember.name, compressed: false, role: 'config' });
    result.blobs.add(configMember.digest);
    const image = isImageConfigMediaType(configDescriptor.mediaType);
    const config = image ? this.index.object(configMember, `the config of ${label}`) : undefined;
    let changed = false;
    const diffIds: { diffId: string; name: string }[] = [];
    manifest.layers.forEach((layer, j) => {
      const what = `layer ${j + 1} of ${label}`;
      if (layer.urls?.length && isNonDistributableMediaType(layer.mediaType) && !this.index.has(layoutBlobPath(layer.digest))) return;
      const member = this.member(layer, what);
      let stored = { digest: member.digest, size: member.size, compressed: false };
      let diffId = member.digest;
      let uncompressedSize: number | undefined;
      if (member.content === 'tar' || member.content === 'gzip' || member.content === 'zstd' || member.content === 'xz' || member.content === 'bzip2') {
        const read = this.index.layer(member, what);
        stored = read.stored;
        diffId = read.diffId;
        uncompressedSize = read.uncompressedSize;
      }
      if (stored.compressed) {
        const mediaType = gzipMediaTypeFor(layer.mediaType);
        if (!mediaType) {
          throw new ArchiveError(
            'unsupported',
            `${what} is an uncompressed tar with media type ${layer.mediaType}; Berth stores tars gzip-compressed and knows no compressed form of that type`,
          );
        }
        raw.layers[j] = { ...raw.layers[j], mediaType, digest: stored.digest, size: stored.size };
        changed = true;
      }
      this.plan.addBlob({ digest: stored.digest, size: stored.size, member: member.name, compressed: stored.compressed, role: 'layer', ...(uncompressedSize === undefined ? {} : { uncompressedSize }) });
      result.blobs.add(stored.digest);
      result.layers.add(stored.digest);
      diffIds.push({ diffId, name: member.name });
    });
    if (config) {
      checkDiffIds(diffIdsOf(config, `the config of ${label}`), diffIds, label);
      const platform = platformOfConfig(config);
      if (platform) result.platforms.push(formatPlatform(platform));
    }
    return this.finish(manifest, bytes, changed ? raw : undefined, result);
  }

  /** Records the manifest (rewritten when `rewritten` is given) and completes `result` with its digest and size. */
  private finish(manifest: ParsedManifest, original: Buffer, rewritten: unknown, result: Visited): Visited {
    const body = rewritten ? Buffer.from(JSON.stringify(rewritten)) : original;
    const digest = rewritten ? digestOf(body) : manifest.digest;
    if (rewritten) {
      result.rewrittenFrom = manifest.digest;
      this.plan.notes.push(`manifest ${manifest.digest} was rewritten as ${digest}: its uncompressed layers are stored gzip-compressed, so its digest changed`);
    }
    this.plan.addManifest({ digest, mediaType: manifest.mediaType, body, ...(rewritten ? { rewrittenFrom: manifest.digest } : {}) });
    result.digest = digest;
    result.size = body.length;
    result.manifests.push(digest);
    return result;
  }

  /** The blob a descriptor names, checked against the descriptor's size (its digest was checked against its name). */
  private member(descriptor: Descriptor, label: string): ArchiveMember {
    const member = this.index.blob(descriptor.digest, label);
    if (member.size !== descriptor.size) {
      throw new ArchiveError('size-mismatch', `size mismatch: ${label} says ${descriptor.digest} has ${descriptor.size} bytes, but the archive's blob has ${member.size}`);
    }
    return member;
  }
}

/** The `+gzip` form of a tar layer media type (and the gzip ones a tar was mislabelled with). */
export function gzipMediaTypeFor(mediaType: string): string | undefined {
  switch (normalizeMediaType(mediaType)) {
    case MediaTypes.OciLayer:
    case MediaTypes.OciLayerGzip:
      return MediaTypes.OciLayerGzip;
    case MediaTypes.OciLayerNondistributable:
    case MediaTypes.OciLayerNondistributableGzip:
      return MediaTypes.OciLayerNondistributableGzip;
    case 'application/vnd.docker.image.rootfs.diff.tar':
    case MediaTypes.DockerLayer:
      return MediaTypes.DockerLayer;
    default:
      return undefined;
  }
}

function parse(bytes: Uint8Array, mediaType: string, what: string): ParsedManifest {
  try {
    return parseManifest(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), mediaType);
  } catch (err) {
    if (err instanceof RegistryError) throw new ArchiveError('invalid-metadata', `${what} is not a valid manifest: ${err.message.replace(/^invalid manifest: /, '')}`);
    throw err;
  }
}
