/**
 * The metadata members of an exported archive, as pure functions of descriptors: `manifest.json` and
 * `repositories` for `docker load`, `oci-layout` and `index.json` for OCI readers. The layout is the one
 * Docker 25+ `docker save` writes, which every reader takes:
 *
 *   blobs/sha256/<config hex>        the image config, byte for byte as pushed (so the image ID is unchanged)
 *   blobs/sha256/<diff id hex>       each layer *uncompressed*: its sha256 is the config's diff_id
 *   blobs/sha256/<manifest hex>      an OCI manifest over the config and those uncompressed layers
 *   manifest.json                    [{Config, RepoTags, Layers}] with the blobs/ paths (docker load 1.10+, skopeo docker-archive:)
 *   repositories                     {"<name>": {"<tag>": "<top layer hex>"}} (read by nothing current; docker writes it)
 *   oci-layout, index.json           the same images as an OCI layout (containerd's importer, Docker 25+ with the containerd store)
 *
 * An OCI export (`format=oci`) is a plain OCI image layout with the blobs as stored (compressed), which
 * is what a multi-platform index needs. Nothing here reads storage or knows about HTTP.
 */
import { digestOf, parseDigest } from '../digest';
import type { Descriptor } from '../descriptor';
import { isAttestationDescriptor } from '../manifest';
import { MediaTypes } from '../media-types';
import { formatPlatform, type Platform } from '../platform';
import { platformOfConfig } from './image-checks';
import { layoutBlobPath } from './member-names';
import { CONTAINERD_NAME_ANNOTATION, REF_NAME_ANNOTATION } from './oci-layout';

/** The name an image gets when it is loaded: `registry.example.com/team-a/app` + `1.0`. */
export interface ExportName {
  /** The repository as a client names it, with the registry host when the export includes it. */
  repository: string;
  tag: string;
}

export interface ExportBlob {
  digest: string;
  size: number;
}

/** One image of a docker-format archive. */
export interface DockerExportImage {
  /** The config blob as stored. */
  config: ExportBlob;
  /** The layers in order, uncompressed: `digest` is the config's diff_id, `size` the uncompressed bytes. */
  layers: ExportBlob[];
  /** Tags it is loaded under; empty for an image exported by digest (docker load then reports its ID only). */
  names: ExportName[];
  platform?: Platform;
}

/** One entry of an OCI layout's index.json: a stored manifest or index, and the names it is exported under. */
export interface OciExportEntry {
  descriptor: Descriptor;
  names: ExportName[];
}

/** The fixed member names of an exported archive. */
export const ExportMembers = Object.freeze({
  ociLayout: 'oci-layout',
  ociIndex: 'index.json',
  dockerManifest: 'manifest.json',
  dockerRepositories: 'repositories',
});

export function exportOciLayout(): Buffer {
  return Buffer.from(JSON.stringify({ imageLayoutVersion: '1.0.0' }));
}

export function formatExportName(name: ExportName): string {
  return `${name.repository}:${name.tag}`;
}

/** `manifest.json`: one entry per image, in the order given; layers shared by images are listed by each. */
export function exportDockerManifestJson(images: readonly DockerExportImage[]): Buffer {
  return json(
    images.map((image) => ({
      Config: layoutBlobPath(image.config.digest),
      RepoTags: image.names.map(formatExportName),
      Layers: image.layers.map((layer) => layoutBlobPath(layer.digest)),
    })),
  );
}

/**
 * `repositories`: repository -> tag -> the top layer's name, as docker save writes it. Only pre-1.10
 * docker read it (with `<id>/json` files this archive does not have); kept because docker writes it and
 * some scripts grep it for the names. Images without layers or names are left out.
 */
export function exportDockerRepositories(images: readonly DockerExportImage[]): Buffer {
  const repositories: Record<string, Record<string, string>> = {};
  for (const image of images) {
    const top = image.layers.at(-1);
    if (!top) continue;
    for (const name of image.names) (repositories[name.repository] ??= {})[name.tag] = parseDigest(top.digest).hex;
  }
  return json(repositories);
}

/**
 * The OCI manifest of a docker-format image: the config as stored, the layers uncompressed (media type
 * `…layer.v1.tar`, digest = diff_id), so the archive is also a valid OCI layout over the same blobs.
 * Its digest differs from the pushed manifest's (whose layers are compressed); the image ID (the config
 * digest) does not.
 */
export function exportUncompressedManifest(image: Pick<DockerExportImage, 'config' | 'layers'>): { content: Buffer; descriptor: Descriptor } {
  const content = json({
    schemaVersion: 2,
    mediaType: MediaTypes.OciManifest,
    config: { mediaType: MediaTypes.OciConfig, digest: image.config.digest, size: image.config.size },
    layers: image.layers.map((layer) => ({ mediaType: MediaTypes.OciLayer, digest: layer.digest, size: layer.size })),
  });
  return { content, descriptor: { mediaType: MediaTypes.OciManifest, digest: digestOf(content), size: content.length } };
}

/**
 * `index.json`: one descriptor per name (an annotation holds one name), or one without annotations for an
 * image exported by digest. `refName` says what `org.opencontainers.image.ref.name` holds: the tag alone,
 * as Docker 25 writes it in its archives, or the full reference, which tells apart images of several
 * repositories in one OCI archive (and is what `skopeo copy oci-archive:file:<name>` selects by).
 */
export function exportOciIndex(entries: readonly OciExportEntry[], refName: 'tag' | 'reference'): Buffer {
  const manifests: Descriptor[] = [];
  for (const { descriptor, names } of entries) {
    const plain = withoutAnnotations(descriptor);
    if (names.length === 0) manifests.push(plain);
    for (const name of names) {
      const reference = formatExportName(name);
      manifests.push({
        ...plain,
        annotations: { [CONTAINERD_NAME_ANNOTATION]: reference, [REF_NAME_ANNOTATION]: refName === 'tag' ? name.tag : reference },
      });
    }
  }
  return json({ schemaVersion: 2, mediaType: MediaTypes.OciIndex, manifests });
}

/** What an export needs of an image config: its platform, and the diff_ids that name its uncompressed layers. */
export type ExportConfig = { platform?: Platform } & ({ diffIds: string[] } | { problem: string });

/**
 * Reads an image config once: its os/architecture/variant, and its `rootfs.diff_ids`, or the problem that
 * keeps them from naming a docker archive's layers (not JSON, not a layers rootfs, or a digest that is
 * not a sha256 one).
 */
export function readExportConfig(bytes: Buffer): ExportConfig {
  let document: unknown;
  try {
    document = JSON.parse(bytes.toString('utf8'));
  } catch {
    return { problem: 'the image config is not JSON' };
  }
  if (!document || typeof document !== 'object' || Array.isArray(document)) return { problem: 'the image config has no rootfs' };
  const config = document as Record<string, unknown>;
  const platform = platformOfConfig(config);
  return { ...(platform ? { platform } : {}), ...diffIdsForExport(config.rootfs) };
}

function diffIdsForExport(rootfs: unknown): { diffIds: string[] } | { problem: string } {
  if (!rootfs || typeof rootfs !== 'object') return { problem: 'the image config has no rootfs' };
  const { type, diff_ids } = rootfs as { type?: unknown; diff_ids?: unknown };
  if (type !== 'layers') return { problem: `the image config's rootfs type is ${JSON.stringify(type)}, not "layers"` };
  const ids = diff_ids ?? [];
  if (!Array.isArray(ids)) return { problem: "the image config's rootfs.diff_ids is not a list" };
  for (const id of ids) {
    if (typeof id !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(id)) return { problem: `the image config names a layer ${JSON.stringify(id).slice(0, 80)}, which is not a sha256 digest` };
  }
  return { diffIds: ids as string[] };
}

/**
 * The file name a download is saved under: `team-a_app_1.0.tar` (slashes become underscores, a digest
 * its first 12 hex digits), or `berth-export_<n>-images.tar` for several references.
 */
export function exportFileName(references: readonly { repository: string; tag?: string; digest?: string }[]): string {
  if (references.length !== 1) return `berth-export_${references.length}-images.tar`;
  const [{ repository, tag, digest }] = references;
  const version = tag ?? (digest ? `${digest.replace(':', '-').slice(0, 'sha256-'.length + 12)}` : 'latest');
  return `${repository.replaceAll('/', '_')}_${version}.tar`.replace(/[^A-Za-z0-9._-]/g, '_');
}

/**
 * The child of an index that runs on `wanted`: os and architecture must match, and the variant when one
 * is asked for; without one, a child without a variant (or arm64's implied v8) is preferred, then the
 * first. Attestations (buildx provenance, unknown/unknown) are never chosen.
 */
export function exportSelectPlatform(children: readonly Descriptor[], wanted: Platform): Descriptor | undefined {
  const candidates = children.filter((child) => !isAttestationDescriptor(child) && child.platform && exportPlatformMatches(child.platform, wanted));
  if (wanted.variant || candidates.length <= 1) return candidates[0];
  return candidates.find((child) => !child.platform?.variant || isDefaultVariant(child.platform)) ?? candidates[0];
}

/** True when an image of `actual` platform is what `wanted` asks for (see exportSelectPlatform). */
export function exportPlatformMatches(actual: Pick<Platform, 'os' | 'architecture' | 'variant'>, wanted: Pick<Platform, 'os' | 'architecture' | 'variant'>): boolean {
  if (actual.os !== wanted.os || actual.architecture !== wanted.architecture) return false;
  if (!wanted.variant) return true;
  return (actual.variant ?? defaultVariant(actual.architecture)) === wanted.variant;
}

/** `linux/amd64`, `linux/arm64/v8`, … of an index's runnable children, for an error that lists the choices. */
export function exportPlatformsOf(children: readonly Descriptor[]): string[] {
  return [...new Set(children.filter((c) => !isAttestationDescriptor(c) && c.platform).map((c) => formatPlatform(c.platform!)))];
}

function defaultVariant(architecture: string): string | undefined {
  return architecture === 'arm64' ? 'v8' : undefined;
}

function isDefaultVariant(platform: Platform): boolean {
  return platform.variant !== undefined && platform.variant === defaultVariant(platform.architecture);
}

/** Bytes a tar member of `size` takes (header + content padded to 512), as tar-stream writes it for names under 100 characters. */
export function exportTarMemberBytes(size: number): number {
  return 512 + Math.ceil(size / 512) * 512;
}

/** The two zero blocks that end a tar archive. */
export const EXPORT_TAR_END_BYTES = 1024;

function withoutAnnotations(descriptor: Descriptor): Descriptor {
  const out: Descriptor = { mediaType: descriptor.mediaType, digest: descriptor.digest, size: descriptor.size };
  if (descriptor.platform) out.platform = descriptor.platform;
  if (descriptor.artifactType) out.artifactType = descriptor.artifactType;
  return out;
}

function json(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}

