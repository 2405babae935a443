/** Media types the registry recognises; anything else is an opaque artifact or layer type. */
export const MediaTypes = Object.freeze({
  OciManifest: 'application/vnd.oci.image.manifest.v1+json',
  OciIndex: 'application/vnd.oci.image.index.v1+json',
  OciConfig: 'application/vnd.oci.image.config.v1+json',
  OciLayer: 'application/vnd.oci.image.layer.v1.tar',
  OciLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  OciLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  OciLayerNondistributable: 'application/vnd.oci.image.layer.nondistributable.v1.tar',
  OciLayerNondistributableGzip: 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  OciLayerNondistributableZstd: 'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd',
  OciEmpty: 'application/vnd.oci.empty.v1+json',
  DockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  DockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  DockerConfig: 'application/vnd.docker.container.image.v1+json',
  DockerLayer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  DockerForeignLayer: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
  DockerSchema1Manifest: 'application/vnd.docker.distribution.manifest.v1+json',
  DockerSchema1SignedManifest: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
} as const);

export type KnownMediaType = (typeof MediaTypes)[keyof typeof MediaTypes];

/** The `{}` blob that OCI 1.1 artifacts use as a placeholder config or layer. */
export const EMPTY_JSON_CONTENT = '{}';
export const EMPTY_JSON_DESCRIPTOR = Object.freeze({
  mediaType: MediaTypes.OciEmpty,
  digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
  size: 2,
});

/** `Application/JSON; charset=utf-8` -> `application/json`: media types compare case-insensitively without parameters. */
export function normalizeMediaType(mediaType: string): string {
  const semicolon = mediaType.indexOf(';');
  return (semicolon === -1 ? mediaType : mediaType.slice(0, semicolon)).trim().toLowerCase();
}

const INDEX_TYPES: ReadonlySet<string> = new Set([MediaTypes.OciIndex, MediaTypes.DockerManifestList]);
const IMAGE_MANIFEST_TYPES: ReadonlySet<string> = new Set([MediaTypes.OciManifest, MediaTypes.DockerManifest]);
const SCHEMA1_TYPES: ReadonlySet<string> = new Set([MediaTypes.DockerSchema1Manifest, MediaTypes.DockerSchema1SignedManifest]);
const IMAGE_CONFIG_TYPES: ReadonlySet<string> = new Set([MediaTypes.OciConfig, MediaTypes.DockerConfig]);
const NON_DISTRIBUTABLE_TYPES: ReadonlySet<string> = new Set([
  MediaTypes.OciLayerNondistributable,
  MediaTypes.OciLayerNondistributableGzip,
  MediaTypes.OciLayerNondistributableZstd,
  MediaTypes.DockerForeignLayer,
]);

export function isIndexMediaType(mediaType: string): boolean {
  return INDEX_TYPES.has(normalizeMediaType(mediaType));
}

export function isImageManifestMediaType(mediaType: string): boolean {
  return IMAGE_MANIFEST_TYPES.has(normalizeMediaType(mediaType));
}

/** Manifest types this registry stores (schema 1 is deliberately not one of them). */
export function isManifestMediaType(mediaType: string): boolean {
  return isIndexMediaType(mediaType) || isImageManifestMediaType(mediaType);
}

export function isSchema1MediaType(mediaType: string): boolean {
  return SCHEMA1_TYPES.has(normalizeMediaType(mediaType));
}

/** OCI or Docker container configs; any other config media type marks an artifact. */
export function isImageConfigMediaType(mediaType: string): boolean {
  return IMAGE_CONFIG_TYPES.has(normalizeMediaType(mediaType));
}

/** Layers whose bytes may live elsewhere (Windows base layers): registries need not hold them. */
export function isNonDistributableMediaType(mediaType: string): boolean {
  return NON_DISTRIBUTABLE_TYPES.has(normalizeMediaType(mediaType));
}

// RFC 6838 restricted-name `type/subtype`, then loosely-checked parameters (some artifact tools add them).
const MEDIA_TYPE_GRAMMAR =
  /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}(?:\s*;\s*[A-Za-z0-9!#$&^_.+-]+=(?:[^;"\s]+|"[^"]*"))*$/;

/** True when the string is shaped like a media type (`type/subtype[; param=value]`). */
export function isValidMediaType(mediaType: string): boolean {
  return typeof mediaType === 'string' && MEDIA_TYPE_GRAMMAR.test(mediaType);
}
